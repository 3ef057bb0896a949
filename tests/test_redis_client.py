"""The one Redis client factory (ticketing_common.redis_client) on one Redis and on a Redis Cluster:
what it builds, what a cluster refuses, and that Lua scripts work per slot (and survive NOSCRIPT)."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import RedisClusterException

from ticketing_common import redis_client
from ticketing_common.settings import ServiceSettings, load_settings

INCR = "-- KEYS[1]: a counter. Returns the new value.\nreturn redis.call('INCR', KEYS[1])"
COPY = "-- KEYS[1] -> KEYS[2]. Returns the value copied.\nlocal v = redis.call('GET', KEYS[1])\nredis.call('SET', KEYS[2], v)\nreturn v"


def test_connect_builds_a_plain_or_a_cluster_client_sync_or_asyncio(redis_target):
    sync = redis_target.client()
    if redis_target.cluster:
        assert type(sync) is redis.RedisCluster
    else:
        assert type(sync) is redis.Redis
    sync.set("k", "v")
    assert sync.get("k") == "v"  # decode_responses is on by default
    assert redis_client.is_cluster(sync) is redis_target.cluster
    sync.close()

    async def asynchronous() -> None:
        client = redis_target.async_client()
        try:
            assert type(client) is (aioredis.RedisCluster if redis_target.cluster else aioredis.Redis)
            assert redis_client.is_cluster(client) is redis_target.cluster
            assert await client.get("k") == "v"
        finally:
            await client.aclose()

    asyncio.run(asynchronous())


def test_from_settings_follows_redis_cluster(redis_target, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_target.url)
    monkeypatch.setenv("REDIS_CLUSTER", "true" if redis_target.cluster else "false")
    settings = ServiceSettings()
    client = redis_client.from_settings(settings)
    try:
        assert redis_client.is_cluster(client) is redis_target.cluster
        assert client.ping()
    finally:
        client.close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("unix:///tmp/redis.sock", "over TCP"),
        ("redis://127.0.0.1:7000/1", "only database 0"),
    ],
)
def test_a_url_a_cluster_cannot_serve_is_refused_with_a_reason(url, reason):
    with pytest.raises(redis_client.ClusterUrlError, match=reason):
        redis_client.connect(url, cluster=True)


def test_cluster_url_keeps_host_port_and_drops_database_zero():
    assert redis_client.cluster_url("redis://h:7000/0") == "redis://h:7000"
    assert redis_client.cluster_url("rediss://u:p@h:7000") == "rediss://u:p@h:7000"


def test_a_service_with_redis_cluster_on_a_unix_socket_stops_at_start_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", "unix:///tmp/redis.sock")
    monkeypatch.setenv("REDIS_CLUSTER", "true")
    with pytest.raises(SystemExit) as stopped:
        load_settings(ServiceSettings, "svc")
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "REDIS_CLUSTER=true" in err and "over TCP" in err


def test_a_registered_script_runs_on_the_node_of_its_keys_slot(redis_target):
    client = redis_target.client()
    incr = client.register_script(INCR)
    # Keys in three different slots: on the cluster, three different masters.
    for tag in ("s0", "s1", "s2"):
        assert incr(keys=[f"ticketing:{{{tag}}}:n"]) == 1
        assert incr(keys=[f"ticketing:{{{tag}}}:n"]) == 2
    copy = client.register_script(COPY)
    client.set("ticketing:{s1}:a", "x")
    assert copy(keys=["ticketing:{s1}:a", "ticketing:{s1}:b"]) == "x"  # one tag: one slot, fine anywhere
    client.close()


@pytest.mark.cluster
def test_a_cluster_refuses_a_script_whose_keys_span_slots_before_sending_it(real_cluster):
    client = real_cluster
    client.set("ticketing:{s0}:a", "x")
    copy = client.register_script(COPY)
    with pytest.raises(RedisClusterException, match="same key slot"):
        copy(keys=["ticketing:{s0}:a", "ticketing:{s1}:b"])
    assert client.exists("ticketing:{s1}:b") == 0  # nothing written


def test_a_script_missing_from_a_node_is_loaded_again_noscript(redis_target):
    """A replica promoted by a failover has an empty script cache (scripts are not replicated):
    the Script object's EVALSHA gets NOSCRIPT, loads the script and retries."""
    client = redis_target.client()
    incr = client.register_script(INCR)
    assert incr(keys=["ticketing:{s2}:n"]) == 1
    client.script_flush()  # on a cluster: on every master
    assert client.script_exists(incr.sha) == [False]
    assert incr(keys=["ticketing:{s2}:n"]) == 2
    client.close()


def test_scripts_are_never_pipelined_on_a_cluster(redis_target):
    client = redis_target.client()
    incr = client.register_script(INCR)
    pipe = client.pipeline()
    pipe.incr("ticketing:{s0}:plain")
    pipe.incr("ticketing:{s1}:plain")  # plain commands: batched per node on a cluster
    if redis_client.script_pipeline_safe(client):
        incr(keys=["ticketing:{s0}:n"], client=pipe)
        assert pipe.execute() == [1, 1, 1]
    else:
        with pytest.raises(RedisClusterException, match="blocked"):
            incr(keys=["ticketing:{s0}:n"], client=pipe)
        assert pipe.execute() == [1, 1]
    client.close()


def test_asyncio_scripts_work_per_slot_and_after_noscript(redis_target):
    async def scenario() -> list[int]:
        client = redis_target.async_client()
        try:
            incr = client.register_script(INCR)
            first = [await incr(keys=[f"ticketing:{{{tag}}}:a"]) for tag in ("s0", "s1", "s2")]
            await client.script_flush()
            return [*first, await incr(keys=["ticketing:{s1}:a"])]
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == [1, 1, 1, 2]


@pytest.mark.cluster
def test_the_local_cluster_has_three_masters_on_the_standard_split_each_with_a_replica(redis_cluster_url):
    client = redis_client.connect(redis_cluster_url, cluster=True)
    primaries = client.get_primaries()
    replicas = client.get_replicas()
    ranges = sorted(tuple(slots) for slots in client.cluster_slots())
    client.close()
    assert len(primaries) == 3 and len(replicas) == 3
    assert ranges == [(0, 5460), (5461, 10922), (10923, 16383)]


def test_run_and_wait_reports_how_many_replicas_hold_the_write(redis_target):
    client = redis_target.client()
    incr = client.register_script(INCR)
    result, acknowledged = redis_client.run_and_wait(client, incr, ["ticketing:{s1}:n"], timeout_ms=2000)
    assert result == 1
    # The cluster's masters have one replica each; the one Redis of the tests has none (WAIT returns at once).
    assert acknowledged == (1 if redis_target.cluster else 0)
    client.close()


def test_run_and_wait_refuses_a_timeout_that_would_block_forever(redis_url):
    client = redis.Redis.from_url(redis_url)
    with pytest.raises(ValueError, match="blocks forever"):
        redis_client.run_and_wait(client, client.register_script(INCR), ["k"], timeout_ms=0)
    client.close()


def test_a_multi_pipeline_on_a_fresh_or_reconnected_asyncio_client_leaves_it_working(redis_target):
    """redis-py 8.1's asyncio cluster client, initialised while a MULTI pipeline is queued, is left
    with connections of a dead event loop ("Event loop is closed" on the next SCRIPT LOAD):
    transaction_pipeline initialises it first."""

    async def scenario() -> list[object]:
        client = redis_target.async_client()
        try:
            results = []
            for _ in range(2):  # fresh, then after aclose() (what a failover's reconnect does)
                pipe = await redis_client.transaction_pipeline(client)
                pipe.incr("ticketing:{s0}:a")
                pipe.incr("ticketing:{s0}:b")
                results.append(await pipe.execute())
                results.append(await client.script_load("return 1") is not None)  # sent to every master
                await client.aclose()
            return results
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == [[1, 1], True, [2, 2], True]
