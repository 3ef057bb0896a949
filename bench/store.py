"""Redis for the benchmarks: a throwaway server configured as `make up` configures it, the stock
and orders written into it, and what the benchmarks read back (progress, memory, decisions)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import redis

from ticketing_common import keys
from ticketing_common.status import TERMINAL_STATUSES
from tools.redis_server import redis_server

from .stats import iso_seconds

# As `make up` runs Redis (tools/stack.py redis_service): append-only file, fsync every second.
REDIS_ARGS = ("--appendonly", "yes", "--appendfsync", "everysec")


@contextmanager
def bench_redis() -> Iterator[tuple[str, redis.Redis]]:
    """A fresh redis-server of its own; yields its URL and a decoded client."""
    with redis_server(*REDIS_ARGS) as url:
        client = redis.Redis.from_url(url, decode_responses=True)
        try:
            yield url, client
        finally:
            client.close()


def redis_pid(client: redis.Redis) -> int:
    return int(client.info("server")["process_id"])


def init_stock(
    client: redis.Redis | redis.RedisCluster,
    stock: dict[str, int],
    shards: keys.Shards = keys.ONE_SHARD,
    shard: int = 0,
) -> None:
    """What the gateway's initialise_stock does: available and initial stock per ticket, in `shard`."""
    # Two keys of one shard (one hash tag): one node, so a MULTI works on a cluster too.
    pipe = client.pipeline(transaction=True)
    for ticket, n in stock.items():
        pipe.hset(shards.stock(shard), ticket, n)
        pipe.hset(shards.stock_initial(shard), ticket, n)
    pipe.execute()


def group_progress(
    client: redis.Redis | redis.RedisCluster, streams: Sequence[str] = (keys.ORDER_STREAM,)
) -> tuple[int, int]:
    """(entries read by the consumer group, entries pending in it), summed over `streams` (each shard's
    order stream): all decided when read == N and pending == 0."""
    read = pending = 0
    for stream in streams:
        for g in client.xinfo_groups(stream):
            if g["name"] == keys.CONSUMER_GROUP:
                read += int(g.get("entries-read") or 0)
                pending += int(g["pending"])
    return read, pending


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def wait_decided(client: redis.Redis, order_ids: list[str], timeout: float) -> int:
    """Wait (bounded) until every order has a terminal status; returns how many are still open."""
    deadline = time.monotonic() + timeout
    open_ids = list(order_ids)
    while open_ids:
        pipe = client.pipeline(transaction=False)
        for oid in open_ids:
            pipe.hget(keys.order_key(oid), "status")
        open_ids = [o for o, s in zip(open_ids, pipe.execute(), strict=True) if s not in TERMINAL_STATUSES]
        if not open_ids or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return len(open_ids)


def times_to_decision(client: redis.Redis, order_ids: list[str]) -> list[float]:
    """decidedAt - createdAt of each decided order, in seconds (millisecond timestamps)."""
    pipe = client.pipeline(transaction=False)
    for oid in order_ids:
        pipe.hmget(keys.order_key(oid), ["createdAt", "decidedAt"])
    out = []
    for created, decided in pipe.execute():
        if created and decided:
            out.append(max(iso_seconds(decided) - iso_seconds(created), 0.0))
    return out


class StreamSampler:
    """Samples XLEN of the order stream (and Redis used_memory) in a thread while orders flow."""

    def __init__(self, url: str, interval: float = 0.05) -> None:
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (seconds since start, XLEN, used_memory)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        t0 = time.perf_counter()
        while not self._stop.is_set():
            pipe = self.client.pipeline(transaction=False)
            pipe.xlen(keys.ORDER_STREAM)
            pipe.info("memory")
            length, memory = pipe.execute()
            self.samples.append((time.perf_counter() - t0, int(length), int(memory["used_memory"])))
            self._stop.wait(self.interval)

    def __enter__(self) -> StreamSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.close()

    @property
    def max_xlen(self) -> int:
        return max((s[1] for s in self.samples), default=0)

    @property
    def max_used_memory(self) -> int:
        return max((s[2] for s in self.samples), default=0)
