"""The shards benchmark (bench/shards.py, issue 17): the scaling arithmetic, the attribution of each node's
CPU to the orders it served, and the smallest run end to end on a real Redis and the local cluster."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from bench import report, shards
from ticketing_common import keys


def test_a_nodes_cpu_per_order_is_its_cpu_over_the_decisions_it_served():
    got = shards.cpu_us_per_order({"a": 0.3, "b": 0.05, "idle": 0.002}, {"a": 3000, "b": 1000, "idle": 0})
    assert got == {"a": pytest.approx(100.0), "b": pytest.approx(50.0), "idle": None}


def test_the_ceiling_is_the_first_node_to_saturate_at_its_share():
    # a: 1e6 / 100 µs = 10,000/s alone, 20,000/s at half the orders; b: 5,000/s alone, 10,000/s at half.
    assert shards.ceiling({"a": 100.0, "b": 200.0}, {"a": 0.5, "b": 0.5}) == pytest.approx(10_000)
    # Moving orders to the cheaper node: a at 0.8 -> 12,500/s, b at 0.2 -> 25,000/s.
    assert shards.ceiling({"a": 100.0, "b": 200.0}, {"a": 0.8, "b": 0.2}) == pytest.approx(12_500)
    # A node with no share bounds nothing, even without a figure of its own.
    assert shards.ceiling({"a": 100.0, "idle": None}, {"a": 1.0, "idle": 0.0}) == pytest.approx(10_000)
    with pytest.raises(ValueError, match="no CPU per order"):
        shards.ceiling({"a": 100.0, "b": None}, {"a": 0.5, "b": 0.5})


def test_the_expected_scaling_compares_each_split_with_each_one_shard_ceiling():
    out = shards.separate_machines(
        one_shard={"single-1": 100.0, "cluster-1": 125.0},  # 10,000/s and 8,000/s
        masters_us={"m0": 150.0, "m1": 150.0, "m2": 300.0},
        measured_decided={"m0": 500, "m1": 300, "m2": 200},
        splits={"hot": {"m0": 0.0, "m1": 0.0, "m2": 1.0}},
    )
    assert out["one_shard_orders_per_s"] == {"single-1": pytest.approx(10_000), "cluster-1": pytest.approx(8_000)}
    measured, even, hot = (out["three_shards"][k] for k in ("measured", "even", "hot"))
    assert measured["shares"] == {"m0": 0.5, "m1": 0.3, "m2": 0.2}
    # m0: 6,667/s at 0.5 -> 13,333/s; m1 -> 22,222/s; m2: 3,333/s at 0.2 -> 16,667/s.
    assert measured["orders_per_s"] == pytest.approx(1e6 / 150 / 0.5)
    assert measured["ratio_to"] == {"single-1": pytest.approx(4 / 3), "cluster-1": pytest.approx(5 / 3)}
    # Even: m2, the costliest, at a third: 10,000/s, the one Redis's ceiling.
    assert even["orders_per_s"] == pytest.approx(10_000) and even["ratio_to"]["single-1"] == pytest.approx(1.0)
    assert hot["orders_per_s"] == pytest.approx(1e6 / 300)


def test_the_time_to_a_count_is_the_first_sample_that_reached_it():
    progress = [(10.0, 0), (10.5, 40), (11.0, 99), (11.5, 99), (41.0, 100)]  # the last one reclaimed late
    assert shards.time_to(progress, 10.0, 99) == 1.0 and shards.time_to(progress, 10.0, 100) == 31.0
    assert shards.time_to(progress, 10.0, 101) is None


def test_the_catalogue_spreads_its_events_evenly_and_the_orders_with_them():
    three = keys.Shards(3)
    events = shards.bench_events(three, per_shard=2)
    assert sorted(three.of_event(e) for e in events) == [0, 0, 1, 1, 2, 2]
    encoded = shards.encode_setup(300, events, three, random.Random(1))
    ids = {k: [o for batch_ids, _ in batches for o in batch_ids] for k, batches in encoded.items()}
    assert {k: len(v) for k, v in ids.items()} == {0: 100, 1: 100, 2: 100}
    assert all(keys.shard_of_order(o) == k for k, v in ids.items() for o in v)  # each order in its shard's keys
    assert all(three.order_stream(k).encode() in payload for k, batches in encoded.items() for _, payload in batches)
    assert sum(shards.demo_split(three).values()) == pytest.approx(1.0)


@pytest.mark.integration
@pytest.mark.system
@pytest.mark.cluster
def test_the_smallest_run_decides_every_order_on_every_set_up(tmp_path, redis_url, redis_cluster_url):
    ctx = SimpleNamespace(quick=True, machine={"cores": 2}, workdir=tmp_path, orders=300)
    r = shards.run(ctx, cluster_url=redis_cluster_url, single_url=redis_url)
    assert [run["setup"] for run in r["runs"]] == ["single-1", "cluster-1", "cluster-3"]
    for run in r["runs"]:
        assert run["complete"] and run["orders"] == run["decided"] == 300, run["setup"]
        assert run["invariants"] == "ok" and run["statuses"] == {"confirmed": 300}, run["setup"]
        masters = [n for n in run["nodes"] if n["role"] == "master"]
        # Every decision is counted on the one master holding its shard, and its replica.
        assert sum(n["decided"] for n in masters) == 300
        assert all(n["cpu_us_per_order"] > 0 for n in masters if n["decided"])
        assert run["worker_cpu_us_per_order"] > 0 and run["cores_busy"] > 0
        assert run["seconds_to_99pct"] is not None and isinstance(run["worker_errors"], int), run["setup"]
    single, one, three = r["runs"]
    assert len(single["nodes"]) == 1 and len(one["nodes"]) == len(three["nodes"]) == 6
    assert [n["decided"] for n in one["nodes"] if n["role"] == "master"] == [300, 0, 0]  # cluster mode alone
    assert three["decided_per_shard"] == {0: 100, 1: 100, 2: 100}
    assert sorted(tuple(n["shards"]) for n in three["nodes"] if n["role"] == "master") == [(0,), (1,), (2,)]
    assert sorted(tuple(n["shards"]) for n in three["nodes"] if n["role"] == "replica") == [(0,), (1,), (2,)]
    m = r["separate_machines"]
    assert set(m["one_shard_orders_per_s"]) == {"single-1", "cluster-1"}
    assert set(m["three_shards"]) == {"measured", "even", "demo catalogue"}
    assert m["three_shards"]["measured"]["shares"] == m["three_shards"]["even"]["shares"]  # orders spread evenly
    text = "\n".join(report.shards(r))
    assert "### 10. Shards" in text and "Expected on separate machines" in text and "bounded by the machine" in text
