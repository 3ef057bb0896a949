"""Real worker processes: who stays in the consumer group, a reset, and how a worker starts.

Live idle workers keep each other in the group (stale means dead, not quiet), a killed one is
removed, a stopped one leaves cleanly, a reset is not an error, and WEB_CONCURRENCY in the
environment does not stop a worker from starting, on loopback by default.
"""

import signal
import time
from pathlib import Path

import httpx
import pytest
import redis

from ticketing_common import keys

pytestmark = pytest.mark.system

STALE_MS = 1000
# Heartbeats every 200 ms against a stale time of 1 s: live workers are never near stale.
SHORT_STALE = {
    "WORKER_STALE_CONSUMER_MS": str(STALE_MS),
    "WORKER_RECOVERY_INTERVAL_MS": "200",
    "WORKER_BLOCK_MS": "500",
}


def wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not met within {timeout}s"
        time.sleep(0.05)


def consumers(r) -> dict[str, dict]:
    try:
        return {c["name"]: c for c in r.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)}
    except redis.ResponseError:  # no stream or group right now
        return {}


def stats(url: str) -> dict:
    return httpx.get(f"{url}/stats", timeout=5).json()


def test_idle_workers_stay_a_killed_one_goes_a_stopped_one_leaves_and_a_reset_is_no_error(system, real_redis):
    a, a_url = system.start_worker("idle-a", **SHORT_STALE)
    b, b_url = system.start_worker("idle-b", **SHORT_STALE)
    wait_for(lambda: set(consumers(real_redis)) == {"idle-a", "idle-b"}, what="both workers in the group")

    # No orders: both consumers grow idle well past the stale time while their workers live.
    def both_long_idle_or_one_gone():
        c = consumers(real_redis)
        return set(c) != {"idle-a", "idle-b"} or min(x["idle"] for x in c.values()) >= 3 * STALE_MS

    wait_for(both_long_idle_or_one_gone, what="both consumers idle for three stale times")
    assert set(consumers(real_redis)) == {"idle-a", "idle-b"}
    assert [stats(u)["consumersRemoved"] for u in (a_url, b_url)] == [0, 0]

    # A reset deletes the stream under both blocking reads: they recreate the group, rejoin, and
    # report no error.
    real_redis.delete(keys.ORDER_STREAM)
    wait_for(lambda: set(consumers(real_redis)) == {"idle-a", "idle-b"}, what="both workers back in the group")
    assert [stats(u)["lastError"] for u in (a_url, b_url)] == [None, None]

    # A killed worker holding nothing goes, with its heartbeat, once that is stale.
    b.signal(signal.SIGKILL)
    b.popen.wait(timeout=10)
    wait_for(lambda: set(consumers(real_redis)) == {"idle-a"}, what="the killed worker removed")
    assert real_redis.zscore(keys.CONSUMER_HEARTBEATS, "idle-b") is None
    assert stats(a_url)["consumersRemoved"] == 1

    # SIGTERM: the last worker takes its heartbeat and its empty consumer with it.
    assert real_redis.zscore(keys.CONSUMER_HEARTBEATS, "idle-a") is not None
    a.signal(signal.SIGTERM)
    assert a.popen.wait(timeout=30) in (0, -signal.SIGTERM)
    assert consumers(real_redis) == {}
    assert real_redis.zscore(keys.CONSUMER_HEARTBEATS, "idle-a") is None


def listening_addresses(port: int) -> set[str]:
    """Addresses with a listening TCP socket on `port`, from /proc/net/tcp{,6} (Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_a_worker_starts_with_web_concurrency_set_and_listens_on_loopback(system, monkeypatch):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("reads listening sockets from /proc/net/tcp (Linux)")
    # Platforms set it for web processes; uvicorn would read it as a worker count and exit.
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    worker, url = system.start_worker("with-web-concurrency")
    assert httpx.get(f"{url}/healthz", timeout=5).json()["status"] == "ok"
    port = int(url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, little-endian hex; not 0.0.0.0
    assert worker.alive()
