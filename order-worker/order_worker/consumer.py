"""The consumer: reads the order stream in batches and has each order decided.

One `OrderConsumer` per process, named uniquely in the consumer group. Two tasks:
`read_loop` (new entries, batched blocking XREADGROUP) and `recovery_loop`
(see recovery.py). Both stop between batches when `stop` is set, so a SIGTERM
finishes and acknowledges the batch in hand before the process exits.

Per-order work (an I/O-bound call: today WORKER_SIMULATED_WORK_MS, later the payment provider)
runs concurrently, at most WORKER_CONCURRENCY calls at once in the whole worker; each order is
decided as soon as its call returns, the orders whose calls returned meanwhile pipelined together.
So one worker decides about WORKER_CONCURRENCY / work time orders per second, and K workers K times it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import cast

import redis.asyncio as redis
from redis.exceptions import ResponseError

from ticketing_common import keys
from ticketing_common.status import DECIDING_OUTCOMES, DecisionOutcome

from . import metrics, recovery
from .decisions import RawEntry, StreamEntry, decide_batch, parse_entries
from .scripts import Scripts
from .settings import WorkerSettings
from .stats import WorkerStats

log = logging.getLogger(__name__)


async def ensure_group(client: redis.Redis) -> None:
    """Create the consumer group if it is missing, reading from the stream's very start.

    Id 0, not $: orders the gateway queued before any worker ever ran are decided too.
    """
    try:
        await client.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
        log.info("created consumer group", extra={"group": keys.CONSUMER_GROUP})
    except ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise


def stream_was_reset(error: ResponseError) -> bool:
    """Whether Redis refused because the stream or its group is gone: a reset, or no worker yet.

    NOGROUP (no group), "no such key" (XINFO on a missing stream), "requires the key to exist"
    (XGROUP CREATECONSUMER on a missing stream), and UNBLOCKED (a blocking read whose stream or
    group was deleted under it, as a reset does). Not a worker error.
    """
    message = str(error)
    return (
        "NOGROUP" in message
        or "no such key" in message.lower()
        or "requires the key to exist" in message
        or ("UNBLOCKED" in message and "no longer exists" in message)
    )


# The I/O-bound work done for one order before its decision.
OrderWork = Callable[[StreamEntry], Awaitable[None]]


def simulated_work(ms: int) -> OrderWork:
    """WORKER_SIMULATED_WORK_MS: a call that takes `ms` and uses no CPU, as a remote call would."""

    async def work(entry: StreamEntry) -> None:
        await asyncio.sleep(ms / 1000)

    return work


class OrderConsumer:
    def __init__(
        self,
        client: redis.Redis,
        settings: WorkerSettings,
        stats: WorkerStats | None = None,
        work: OrderWork | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.name = settings.consumer_name
        self.scripts = Scripts.register(client)
        self.stats = stats or WorkerStats(consumer=self.name)
        ms = settings.worker_simulated_work_ms
        self.work = work or (simulated_work(ms) if ms else None)
        # One bound for the worker: the read loop's batch and a reclaimed one share it.
        self.slots = asyncio.Semaphore(settings.worker_concurrency)

    async def process(self, entries: list[StreamEntry]) -> None:
        """Work on and decide a batch; returns once every entry is decided or left pending.

        Entries whose work or decision failed stay pending, for recovery to retry.
        """
        started = time.perf_counter()
        if self.work is None:
            await self._decide(entries)
        else:
            await self._work_then_decide(entries, self.work)
        self.stats.batches += 1
        metrics.BATCHES.inc()
        metrics.BATCH_SECONDS.observe(time.perf_counter() - started)

    async def _work_then_decide(self, entries: list[StreamEntry], work: OrderWork) -> None:
        # Each call holds a slot only while it runs; the decisions of the calls that returned
        # meanwhile go in one pipeline while the next calls run (batched where possible).
        returned: asyncio.Queue[StreamEntry | None] = asyncio.Queue()

        async def call(entry: StreamEntry) -> None:
            if entry.order_id is not None:  # a malformed entry is only dead-lettered: no call for it
                try:
                    async with self.slots:
                        await work(entry)
                except Exception as e:  # not decided: it stays pending and is retried by recovery
                    self._error(f"work for entry {entry.entry_id}: {e!r}")
                    returned.put_nowait(None)
                    return
            returned.put_nowait(entry)

        calls = [asyncio.create_task(call(entry)) for entry in entries]
        try:
            left = len(entries)
            while left:
                ready = [await returned.get()]
                while not returned.empty():
                    ready.append(returned.get_nowait())
                left -= len(ready)
                due = [entry for entry in ready if entry is not None]
                if due:
                    await self._decide(due)
        finally:
            # Only if deciding failed (Redis unreachable) or we were cancelled: the entries
            # not decided stay pending, and no call outlives its batch.
            for task in calls:
                task.cancel()
            await asyncio.gather(*calls, return_exceptions=True)

    async def _decide(self, entries: list[StreamEntry]) -> None:
        results = await decide_batch(self.client, self.scripts, entries, self.settings.order_ttl_seconds)
        decided_at = time.time()
        for entry, result in zip(entries, results, strict=True):
            if isinstance(result, Exception):
                self._error(f"deciding entry {entry.entry_id}: {result}")
                continue
            try:
                outcome = DecisionOutcome(result[0])
            except ValueError:  # a script and the contract disagree: loud, but the batch goes on
                self._error(f"deciding entry {entry.entry_id}: unknown outcome {result[0]!r}")
                continue
            self.stats.outcomes[outcome] += 1
            metrics.DECIDED.labels(outcome).inc()
            if outcome in DECIDING_OUTCOMES:
                metrics.DECISION_SECONDS.observe(max(decided_at - entry.enqueued_at, 0))

    async def read_loop(self, stop: asyncio.Event) -> None:
        backoff = recovery.Backoff()
        # First the entries this consumer name already holds: a restarted pod keeps its
        # name, and its pending list is its own to finish. Then new entries ('>').
        next_id = "0"
        joined = False
        while not stop.is_set():
            try:
                if not joined:
                    # In the group from the start, not from the first order: an idle worker is
                    # listed too (Redis adds a consumer only when a read returns entries).
                    await self.client.xgroup_createconsumer(keys.ORDER_STREAM, keys.CONSUMER_GROUP, self.name)
                    joined = True
                block = None if next_id != ">" else self.settings.worker_block_ms
                # redis-py's default (legacy) reply shape, decoded: [[stream, [(id, fields), ...]]];
                # its type hints cover every shape its options can give, bytes included.
                response = cast(
                    "list[tuple[str, list[RawEntry]]] | None",
                    await self.client.xreadgroup(
                        keys.CONSUMER_GROUP,
                        self.name,
                        {keys.ORDER_STREAM: next_id},
                        count=self.settings.worker_batch_size,
                        block=block,
                    ),
                )
                entries = parse_entries(response[0][1]) if response else []
                if next_id != ">":
                    if not entries:
                        next_id = ">"
                        continue
                    next_id = entries[-1].entry_id  # past these, even if some stay pending
                if entries:
                    await self.process(entries)
                backoff.reset()
            except ResponseError as e:
                if stream_was_reset(e):
                    # First start, or the stream was reset (deleted, even under a blocking read):
                    # create the group and join it again, retrying like a read. No error: a reset
                    # is an operator's act, not a worker failure.
                    joined = False
                    try:
                        await ensure_group(self.client)
                    except (redis.RedisError, OSError) as group_error:
                        await self._retry_later(backoff, f"creating the group: {group_error}", stop)
                    continue
                await self._retry_later(backoff, f"reading: {e}", stop)
            except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
                await self._retry_later(backoff, f"redis unreachable: {e}", stop)
            except Exception as e:  # a bug must not kill the loop; entries stay pending for recovery
                log.exception("unexpected error in the read loop")
                await self._retry_later(backoff, f"unexpected: {e!r}", stop)

    async def recover_once(self) -> None:
        s = self.settings
        # First, before anything that can fail on a missing stream: this worker is alive, and has
        # decided this many orders (the dashboard's per-worker throughput).
        await recovery.heartbeat(
            self.client, self.scripts, self.name, stale_ms=s.worker_stale_consumer_ms, decided=self.stats.decided()
        )
        dead = await recovery.dead_letter_exhausted(
            self.client,
            self.scripts,
            min_idle_ms=s.worker_claim_idle_ms,
            max_deliveries=s.worker_max_deliveries,
            count=s.worker_batch_size,
            order_ttl=s.order_ttl_seconds,
        )
        if dead:
            self.stats.dead_lettered += dead
            metrics.DEAD_LETTERED.inc(dead)
            log.warning("dead-lettered entries", extra={"count": dead})
        claimed = await recovery.claim_idle(
            self.client, self.name, min_idle_ms=s.worker_claim_idle_ms, count=s.worker_batch_size
        )
        if claimed:
            self.stats.reclaimed += len(claimed)
            metrics.RECLAIMED.inc(len(claimed))
            log.info("reclaimed idle entries", extra={"count": len(claimed)})
            await self.process(claimed)
        removed = await recovery.remove_stale_consumers(
            self.client, self.scripts, self.name, stale_ms=s.worker_stale_consumer_ms
        )
        if removed:
            self.stats.consumers_removed += len(removed)
            log.info("removed stale consumers", extra={"consumers": removed})
        self.stats.trimmed += await recovery.trim_acknowledged(self.client)

    async def recovery_loop(self, stop: asyncio.Event) -> None:
        backoff = recovery.Backoff()
        interval = self.settings.worker_recovery_interval_ms / 1000
        while not stop.is_set():
            try:
                await self.recover_once()
                backoff.reset()
                delay = interval
            except ResponseError as e:
                if stream_was_reset(e):
                    delay = interval  # no stream or group yet, or a reset: the read loop creates it
                else:
                    self._error(f"recovery: {e}")
                    delay = backoff.next_delay()
            except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
                self._error(f"recovery: redis unreachable: {e}")
                delay = backoff.next_delay()
            except Exception as e:  # a bug must not stop recovery for good
                log.exception("unexpected error in recovery")
                self._error(f"recovery: unexpected: {e!r}")
                delay = backoff.next_delay()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("consumer starting", extra={"consumer": self.name, "group": keys.CONSUMER_GROUP})
        await asyncio.gather(self.read_loop(stop), self.recovery_loop(stop))
        await self.leave()
        log.info("consumer stopped", extra={"consumer": self.name})

    async def leave(self) -> None:
        """Stopping gracefully: no heartbeat left behind, and no empty consumer in the group."""
        try:
            removed = await recovery.leave(self.client, self.scripts, self.name)
            log.info(
                "left the consumer group" if removed else "left; entries stay pending in this name",
                extra={"consumer": self.name},
            )
        except ResponseError as e:
            if not stream_was_reset(e):
                self._error(f"leaving the group: {e}")
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            # The others see the heartbeat age and remove this consumer once it is stale.
            self._error(f"leaving the group: redis unreachable: {e}")

    def _error(self, message: str) -> None:
        self.stats.error(message)
        metrics.ERRORS.inc()
        log.error(message)

    async def _retry_later(self, backoff: recovery.Backoff, message: str, stop: asyncio.Event) -> None:
        self._error(message)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=backoff.next_delay())
