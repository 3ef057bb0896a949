"""A worker killed at each point of the payment flow loses nothing (real processes, real Redis, the
test provider): the order ends terminal, is charged at most once, paid means confirmed, unpaid holds no
stock. WORKER_FAULT_POINT makes the victim exit (os._exit, like a SIGKILL) at the first order there.
Each point on one Redis and on the local Redis Cluster with 3 shards (orders on every shard)."""

from __future__ import annotations

import httpx
import pytest

from tests.fake_provider import FakeProvider, RunningProvider
from ticketing_common import keys
from ticketing_common.status import OrderStatus

from ..invariants import check_invariants, wait_until_all_terminal
from .load import place_orders

pytestmark = pytest.mark.system

FAULT_EXIT_CODE = 70


def payment_env(url: str) -> dict[str, str]:
    return {
        "WORKER_PAYMENT_PROVIDER_URL": url,
        "WORKER_PAYMENT_TIMEOUT_SECONDS": "1",
        "WORKER_PAYMENT_BACKOFF_MS": "20",
        # 9, not 10: on 3 shards 3 x ceil(9/3) + 9 = 18 entries in hand, 2 rounds of 10 calls x 1 s,
        # under the 2.5 s claim idle time, as 2 x 9 are on one shard (the worker checks it at start).
        "WORKER_BATCH_SIZE": "9",
        "WORKER_CONCURRENCY": "10",
        "WORKER_CLAIM_IDLE_MS": "2500",
        "WORKER_RECOVERY_INTERVAL_MS": "300",
    }


def check_payments(
    r, provider: FakeProvider, order_ids: list[str], shards: keys.Shards = keys.ONE_SHARD
) -> dict[str, str]:
    """Every order charged at most once; approved <=> confirmed (or refunded); returns the statuses."""
    pipe = r.pipeline(transaction=False)
    for order_id in order_ids:
        pipe.hget(shards.order(order_id), "status")
    statuses = dict(zip(order_ids, pipe.execute(), strict=True))
    approved, refunded = provider.approved_keys(), provider.refunded_keys()
    for order_id, status in statuses.items():
        if status == OrderStatus.CONFIRMED:
            assert order_id in approved, f"order {order_id} confirmed without an approved charge"
        else:
            assert order_id not in approved, f"order {order_id} is {status} but its charge was kept"
    assert refunded <= set(order_ids)
    return statuses


@pytest.mark.parametrize("point", ["after_reserve", "during_charge", "after_charge", "before_confirm"])
def test_a_worker_killed_at_each_point_loses_nothing_and_charges_nobody_twice(target_system, point):
    system = target_system
    r, shards = system.client(), system.shards
    # Answers take 0.4 s: a charge is still in flight when the victim dies 0.3 s into it (during_charge).
    with RunningProvider(FakeProvider(latency_s=0.4)) as provider:
        env = payment_env(provider.url)
        gateway = system.start_gateway()
        victim, _ = system.start_worker("victim", WORKER_FAULT_POINT=point, **env)
        order_ids = place_orders(gateway, count=20, concurrency=4, events=system.catalogue.events)
        assert victim.popen.wait(timeout=60) == FAULT_EXIT_CODE
        log = victim.log_path.read_text()
        assert "fault injection" in log and point in log
        charged_before = dict(provider.posts)
        if point == "after_reserve":
            assert not charged_before, "the victim charged before its fault point"
        else:
            assert charged_before, "the victim died before charging anything"
        _, rescuer_url = system.start_worker("rescuer", **env)

        wait_until_all_terminal(r, order_ids, timeout=120, shards=shards)
        statuses = check_payments(r, provider, order_ids, shards)
    check_invariants(r, order_ids, shards=shards)
    assert {shards.of_order(o) for o in order_ids} == set(shards.all())
    # Charged at most once: one charge call per order, however the work was split. The orders the
    # victim had charged were resumed by asking the provider by key, not by charging again.
    assert all(n == 1 for n in provider.posts.values()), provider.posts
    for order_id in charged_before:
        assert provider.lookups[order_id] >= 1, f"order {order_id} was resumed without asking the provider"
        assert statuses[order_id] == OrderStatus.CONFIRMED
    stats = httpx.get(f"{rescuer_url}/stats").json()
    assert stats["reclaimed"] >= 1
    assert set(statuses.values()) <= {OrderStatus.CONFIRMED, OrderStatus.REJECTED}
