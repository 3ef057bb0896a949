"""The consumer: reads the order stream in batches and has each order decided.

One `OrderConsumer` per process, named uniquely in the consumer group. Its tasks: `read_loop`
(new entries, batched blocking XREADGROUP: one task per shard, see below), `recovery_loop` (see
recovery.py) and `expiry_loop`. They stop between batches when `stop` is set, so a SIGTERM
finishes and acknowledges the batches in hand before the process exits.

Shards (REDIS_SHARDS = N, keys.Shards): every worker reads every shard's stream, in the one group
`order-workers` of each; Redis's group hands each entry to one of its readers, so workers added or
removed share every shard with no coordination. One read task per shard, each with its own blocking
XREADGROUP on its one stream (never one XREADGROUP over several streams: on a cluster they are in
other slots, CROSSSLOT): an order on any shard is read at once even when the others are idle, and a
shard whose stream was reset (or whose node is away) holds up no other. Each task reads
ceil(WORKER_BATCH_SIZE / N) entries at a time, so a worker holds about one batch across its shards.

Each order goes through the lifecycle (status.TRANSITIONS): reserved, paying, then confirmed or
released. Per-order work (the payment provider's charge, and WORKER_SIMULATED_WORK_MS if set)
runs concurrently, at most WORKER_CONCURRENCY calls at once in the whole worker; each order is
decided as soon as its call returns, the orders whose calls returned meanwhile pipelined together.
So one worker decides about WORKER_CONCURRENCY / work time orders per second, and K workers K times it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

import httpx
import redis.asyncio as redis
from redis.exceptions import ResponseError

from ticketing_common import keys, lifecycle
from ticketing_common import order_record as record
from ticketing_common.lifecycle import PaymentRecord
from ticketing_common.order_record import utc_timestamp
from ticketing_common.redis_client import AsyncClient
from ticketing_common.status import DECIDING_OUTCOMES, DecisionOutcome, OrderStatus, PaymentStatus, Reason

from . import metrics, recovery
from .decisions import RawEntry, StreamEntry, decide_batch, parse_entries, run_steps
from .payments import PaymentClient
from .recovery import stream_was_reset
from .scripts import Scripts
from .settings import WorkerSettings
from .stats import WorkerStats

log = logging.getLogger(__name__)


async def ensure_group(client: AsyncClient, stream: str = keys.ORDER_STREAM) -> None:
    """Create the consumer group on `stream` (a shard's order stream) if it is missing, reading from
    the stream's very start.

    Id 0, not $: orders the gateway queued before any worker ever ran are decided too.
    """
    try:
        await client.xgroup_create(stream, keys.CONSUMER_GROUP, id="0", mkstream=True)
        log.info("created consumer group", extra={"group": keys.CONSUMER_GROUP, "stream": stream})
    except ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise


# The I/O-bound work done for one order before its decision.
OrderWork = Callable[[StreamEntry], Awaitable[None]]


def simulated_work(ms: int) -> OrderWork:
    """WORKER_SIMULATED_WORK_MS: a call that takes `ms` and uses no CPU, as a remote call would."""

    async def work(entry: StreamEntry) -> None:
        await asyncio.sleep(ms / 1000)

    return work


@dataclass(frozen=True)
class Decision:
    """How a paying order ends: confirmed (no release reason) or released as payment_failed."""

    entry: StreamEntry
    release_reason: Reason | None
    payment: PaymentRecord | None  # None: payments are off


class OrderConsumer:
    def __init__(
        self,
        client: AsyncClient,
        settings: WorkerSettings,
        stats: WorkerStats | None = None,
        work: OrderWork | None = None,
        payments: PaymentClient | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.name = settings.consumer_name
        self.shards = settings.shards
        self.scripts = Scripts.register(client)
        self.stats = stats or WorkerStats(consumer=self.name, shard_count=self.shards.count)
        ms = settings.worker_simulated_work_ms
        self.work = work or (simulated_work(ms) if ms else None)
        self.hold_ms = int(settings.worker_hold_seconds * 1000)
        self.payments = payments or (
            PaymentClient(
                settings.worker_payment_provider_url,
                timeout=settings.worker_payment_timeout_seconds,
                max_attempts=settings.worker_payment_max_attempts,
                backoff_ms=settings.worker_payment_backoff_ms,
                token=(
                    settings.worker_payment_provider_token.get_secret_value()
                    if settings.worker_payment_provider_token
                    else None
                ),
                settle=settings.worker_payment_settle_seconds,
                on_call=self._during_charge,
            )
            if settings.payments_on
            else None
        )
        # One bound for the worker: the read loop's batch and a reclaimed one share it.
        self.slots = asyncio.Semaphore(settings.worker_concurrency)

    async def process(self, entries: list[StreamEntry], shard: int = 0) -> None:
        """Take a batch of shard `shard`'s stream through the lifecycle; returns once every entry is
        decided or left pending.

        Reserve every order (one pipeline); start the payment of those reserved for paying now (a
        payLater order waits in `reserved`, its entry acknowledged); charge each (concurrently, at most
        WORKER_CONCURRENCY at once) and confirm or release it as its charge returns. A reclaimed entry
        resumes from its order's status. Entries whose steps failed stay pending, for recovery to retry.
        """
        started = time.perf_counter()
        ttl = self.settings.order_ttl_seconds
        results = await decide_batch(
            self.client, self.scripts, entries, ttl, self.hold_ms, shard=shard, shards=self.shards
        )
        to_start: list[StreamEntry] = []
        paying: list[tuple[StreamEntry, bool]] = []  # (entry, charged before: ask the provider first)
        for entry, result in zip(entries, results, strict=True):
            outcome = self._count(entry, result, shard)
            if isinstance(result, Exception):
                continue
            if (outcome == DecisionOutcome.RESERVED and result[1] != "1") or (
                outcome == DecisionOutcome.RESUME and result[1] == OrderStatus.RESERVED
            ):
                to_start.append(entry)
            elif outcome == DecisionOutcome.RESUME and result[1] == OrderStatus.PAYING:
                paying.append((entry, True))
        if to_start:
            self._fault("after_reserve")
            now = utc_timestamp()
            steps = [
                (
                    self.scripts.start_payment,
                    lifecycle.start_payment_call(
                        cast("str", e.order_id), now=now, order_ttl=ttl, entry_id=e.entry_id, shards=self.shards
                    ),
                )
                for e in to_start
            ]
            for entry, result in zip(to_start, await run_steps(self.client, steps), strict=True):
                if self._count(entry, result, shard) == DecisionOutcome.PAYING:
                    paying.append((entry, False))
        if paying:
            await self._pay_then_decide(paying, shard)
        self.stats.count(shard, "batches")
        metrics.BATCHES.inc()
        metrics.BATCH_SECONDS.observe(time.perf_counter() - started)

    async def _pay_then_decide(self, paying: list[tuple[StreamEntry, bool]], shard: int = 0) -> None:
        # Each charge holds a slot only while it runs; the decisions of the charges that returned
        # meanwhile go in one pipeline while the next charges run (batched where possible).
        returned: asyncio.Queue[Decision | None] = asyncio.Queue()

        async def call(entry: StreamEntry, resumed: bool) -> None:
            try:
                async with self.slots:
                    decision = await self._pay(entry, resumed)
            except Exception as e:  # not decided: it stays pending and is retried by recovery
                self._error(f"paying for entry {entry.entry_id}: {e!r}")
                returned.put_nowait(None)
                return
            returned.put_nowait(decision)

        calls = [asyncio.create_task(call(entry, resumed)) for entry, resumed in paying]
        try:
            left = len(paying)
            while left:
                ready = [await returned.get()]
                while not returned.empty():
                    ready.append(returned.get_nowait())
                left -= len(ready)
                due = [d for d in ready if d is not None]
                if due:
                    await self._finish(due, shard)
        finally:
            # Only if deciding failed (Redis unreachable) or we were cancelled: the entries
            # not decided stay pending, and no call outlives its batch.
            for task in calls:
                task.cancel()
            await asyncio.gather(*calls, return_exceptions=True)

    async def _pay(self, entry: StreamEntry, resumed: bool) -> Decision:
        """The per-order I/O: the simulated work, then the charge. Decides confirm or release."""
        if self.work is not None:
            await self.work(entry)
        if self.payments is None:
            return Decision(entry, None, None)
        order_id = cast("str", entry.order_id)
        # decode_responses=True: str values (redis-py types them bytes|str).
        total, currency, card = cast(
            "list[str | None]",
            await self.client.hmget(
                self.shards.order(order_id), [record.GRAND_TOTAL, record.CURRENCY, record.CARD_NUMBER]
            ),
        )
        if total is None:  # gone (a reset): the confirm step finds it missing and acknowledges
            return Decision(entry, None, None)
        charge = None
        if resumed:  # a worker before us may have charged: ask by key first, charge only if nothing is recorded
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                charge = await self.payments.lookup(order_id)
        if charge is None:
            charge = await self.payments.charge(order_id, total, currency or "", card)
        self._fault("after_charge")
        metrics.PAYMENTS.labels(charge.status).inc()
        self.stats.payments[charge.status] += 1
        if charge.status == PaymentStatus.APPROVED:
            return Decision(entry, None, charge.record)
        if charge.status == PaymentStatus.DECLINED:
            return Decision(entry, Reason.PAYMENT_DECLINED, charge.record)
        # Errors or timeouts: the provider may still have recorded a charge we never learned of.
        await self._refund_due(order_id)
        return Decision(entry, Reason.PAYMENT_ERROR, charge.record)

    async def _finish(self, decisions: list[Decision], shard: int = 0) -> None:
        """Confirm or release each paying order (one pipeline); refund a charge whose order was released meanwhile."""
        if any(d.release_reason is None for d in decisions):
            self._fault("before_confirm")
        now, ttl = utc_timestamp(), self.settings.order_ttl_seconds
        steps = []
        for d in decisions:
            order_id, entry_id = cast("str", d.entry.order_id), d.entry.entry_id
            if d.release_reason is None:
                call = lifecycle.confirm_call(
                    order_id, now=now, order_ttl=ttl, entry_id=entry_id, payment=d.payment, shards=self.shards
                )
                steps.append((self.scripts.confirm, call))
            else:
                call = lifecycle.release_call(
                    order_id,
                    OrderStatus.PAYMENT_FAILED,
                    d.release_reason,
                    now=now,
                    order_ttl=ttl,
                    entry_id=entry_id,
                    payment=d.payment,
                    shards=self.shards,
                )
                steps.append((self.scripts.release, call))
        for d, result in zip(decisions, await run_steps(self.client, steps), strict=True):
            outcome = self._count(d.entry, result, shard)
            approved = d.payment is not None and d.payment.status == PaymentStatus.APPROVED
            if approved and outcome in (DecisionOutcome.WRONG_STATE, DecisionOutcome.STALE, DecisionOutcome.MISSING):
                # Paid, but the order is no longer paying (failed by the dead-letter path, another worker
                # gave up on its errors first, or a reset deleted it): it cannot be confirmed, so the
                # money goes back.
                already = not isinstance(result, Exception) and result[1] == OrderStatus.CONFIRMED
                if not already:
                    await self.refund(cast("str", d.entry.order_id))

    async def _refund_due(self, order_id: str) -> None:
        """Note that this order's charge may have to go back, before anything is tried (its shard's
        refunds:due, see keys.REFUNDS_DUE)."""
        due = self.shards.refunds_due(self.shards.of_order(order_id))
        await self.client.zadd(due, {order_id: int(time.time() * 1000)}, nx=True)

    async def refund(self, order_id: str) -> None:
        """Refund an order's charge and record it on the order (if the order still exists). Noted as due
        first: if the provider cannot be reached, a later recovery round tries again."""
        if self.payments is None:
            return
        await self._refund_due(order_id)
        await self._refund_now(order_id)

    async def _refund_now(self, order_id: str) -> bool:
        assert self.payments is not None
        shard = self.shards.of_order(order_id)
        if await self.payments.refund(order_id):
            metrics.REFUNDS.inc()
            self.stats.count(shard, "refunds")
            # On the order (if it still exists) and in the payment totals, once, in one step (one shard's keys).
            await self.scripts.record_refund(
                keys=[self.shards.order(order_id), self.shards.totals_payments(shard), self.shards.generation(shard)],
                args=[PaymentStatus.REFUNDED.value],
            )
            await self.client.zrem(self.shards.refunds_due(shard), order_id)
            log.warning("refunded a charge whose order was released", extra={"orderId": order_id})
            return True
        self._error(f"refund of order {order_id} failed; due, retried at the next recovery round")
        return False

    async def settle_refunds(self, count: int = 100, shard: int = 0) -> int:
        """One pass over shard `shard`'s refunds due: refund what the provider charged for an order that
        is not confirmed. An order still paying (its worker may yet confirm it) stays due; a charge the
        provider has no record of is dropped once the provider's recording bound has passed."""
        if self.payments is None:
            return 0
        due_key = self.shards.refunds_due(shard)
        due = cast("list[tuple[str, float]]", await self.client.zrange(due_key, 0, count - 1, withscores=True))
        settle_ms = (self.settings.worker_payment_settle_seconds + self.settings.worker_payment_timeout_seconds) * 1000
        refunded = 0
        for order_id, due_ms in due:
            if keys.shard_of_order(order_id) != shard:  # never written so; kept for an operator, not dropped
                continue
            status = await self.client.hget(self.shards.order(order_id), record.STATUS)
            if status in (OrderStatus.PAYING, OrderStatus.RESERVED):
                continue  # not decided yet: the worker that owns it confirms or releases it
            if status == OrderStatus.CONFIRMED:
                await self.client.zrem(due_key, order_id)  # the charge paid for it: nothing goes back
                continue
            try:
                charge = await self.payments.lookup(order_id)
            except (httpx.HTTPError, ValueError, KeyError):
                continue  # unsure: next round
            if charge is None:
                if time.time() * 1000 - due_ms > settle_ms:
                    await self.client.zrem(due_key, order_id)  # never charged, and now never will be
            elif charge.status == PaymentStatus.APPROVED:
                refunded += await self._refund_now(order_id)
            else:  # declined or already refunded: nothing was taken, or it went back already
                await self.client.zrem(due_key, order_id)
        return refunded

    def _count(self, entry: StreamEntry, result: tuple[str, str] | Exception, shard: int = 0) -> DecisionOutcome | None:
        """Count one step's outcome in the stats and metrics; None for an error or an unknown word."""
        if isinstance(result, Exception):
            self._error(f"deciding entry {entry.entry_id}: {type(result).__name__}: {result}")
            return None
        try:
            outcome = DecisionOutcome(result[0])
        except ValueError:  # a script and the contract disagree: loud, but the batch goes on
            self._error(f"deciding entry {entry.entry_id}: unknown outcome {result[0]!r}")
            return None
        self.stats.count_outcome(shard, outcome)
        metrics.DECIDED.labels(outcome).inc()
        if outcome in DECIDING_OUTCOMES:
            metrics.DECISION_SECONDS.observe(max(time.time() - entry.enqueued_at, 0))
        return outcome

    def _fault(self, point: str) -> None:
        """WORKER_FAULT_POINT (tests only): die here, at once, as a SIGKILL would."""
        if self.settings.worker_fault_point == point:
            log.warning("fault injection: exiting", extra={"point": point})
            for handler in logging.getLogger().handlers:
                handler.flush()
            os._exit(70)

    async def _during_charge(self) -> None:
        if self.settings.worker_fault_point == "during_charge":
            await asyncio.sleep(0.3)  # the request has reached the provider; its answer is not read
            self._fault("during_charge")

    async def _each_shard(self, step: Callable[[int], Awaitable[object]]) -> None:
        """Run `step` on every shard, the others even if one fails (on a cluster a shard's node may be
        away while the rest are fine); then raise the first failure, for the caller's backoff."""
        failure: Exception | None = None
        for shard in self.shards:
            try:
                await step(shard)
            except Exception as e:
                if isinstance(e, ResponseError) and stream_was_reset(e):
                    continue  # no stream or group on this shard yet, or a reset: its read task creates it
                failure = failure or e
        if failure is not None:
            raise failure

    async def expire_shard(self, shard: int) -> int:
        """Sweep shard `shard`'s overdue holds, batch by batch (each one Lua step on the shard's keys).
        Returns how many this worker expired."""
        total = 0
        batch = self.settings.worker_expiry_batch
        for _ in range(100):  # bounded: the next pass takes the rest
            step_keys, args = lifecycle.expire_holds_call(
                batch=batch,
                now=utc_timestamp(),
                order_ttl=self.settings.order_ttl_seconds,
                shard=shard,
                shards=self.shards,
            )
            expired = int(await self.scripts.expire_holds(keys=step_keys, args=args))
            total += expired
            if expired < batch:
                break
        if total:
            self.stats.count(shard, "expired", total)
            metrics.EXPIRED.inc(total)
            log.info("expired overdue holds", extra={"count": total, "shard": shard})
        return total

    async def expire_once(self) -> int:
        """Sweep every shard's overdue holds. Returns how many this worker expired."""
        swept: list[int] = []

        async def sweep(shard: int) -> None:
            swept.append(await self.expire_shard(shard))

        await self._each_shard(sweep)
        return sum(swept)

    async def expiry_loop(self, stop: asyncio.Event) -> None:
        backoff = recovery.Backoff()
        interval = self.settings.worker_expiry_interval_ms / 1000
        while not stop.is_set():
            try:
                await self.expire_once()
                backoff.reset()
                delay = interval
            except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
                self._error(f"expiry sweep: redis unreachable: {e}")
                delay = backoff.next_delay()
            except Exception as e:  # a bug must not stop the sweep for good
                log.exception("unexpected error in the expiry sweep")
                self._error(f"expiry sweep: unexpected: {e!r}")
                delay = backoff.next_delay()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def read_loop(self, stop: asyncio.Event) -> None:
        """Read every shard's stream, one task per shard (the module's docstring says why)."""
        await asyncio.gather(*(self.read_shard(shard, stop) for shard in self.shards))

    async def read_shard(self, shard: int, stop: asyncio.Event) -> None:
        stream = self.shards.order_stream(shard)
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
                    await self.client.xgroup_createconsumer(stream, keys.CONSUMER_GROUP, self.name)
                    joined = True
                block = None if next_id != ">" else self.settings.worker_block_ms
                # redis-py's default (legacy) reply shape, decoded: [[stream, [(id, fields), ...]]];
                # its type hints cover every shape its options can give, bytes included.
                response = cast(
                    "list[tuple[str, list[RawEntry]]] | None",
                    await self.client.xreadgroup(
                        keys.CONSUMER_GROUP,
                        self.name,
                        {stream: next_id},
                        count=self.settings.shard_batch_size,
                        block=block,
                    ),
                )
                entries = parse_entries(response[0][1], shard) if response else []
                if next_id != ">":
                    if not entries:
                        next_id = ">"
                        continue
                    next_id = entries[-1].entry_id  # past these, even if some stay pending
                if entries:
                    await self.process(entries, shard)
                backoff.reset()
            except ResponseError as e:
                if stream_was_reset(e):
                    # First start, or the stream was reset (deleted, even under a blocking read):
                    # create the group and join it again, retrying like a read. No error: a reset
                    # is an operator's act, not a worker failure.
                    joined = False
                    try:
                        await ensure_group(self.client, stream)
                    except (redis.RedisError, OSError) as group_error:
                        await self._retry_later(backoff, f"creating the group of shard {shard}: {group_error}", stop)
                    continue
                await self._retry_later(backoff, f"reading shard {shard}: {e}", stop)
            except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
                await self._retry_later(backoff, f"redis unreachable (shard {shard}): {e}", stop)
            except Exception as e:  # a bug must not kill the loop; entries stay pending for recovery
                log.exception("unexpected error in the read loop", extra={"shard": shard})
                await self._retry_later(backoff, f"unexpected (shard {shard}): {e!r}", stop)

    async def recover_once(self) -> None:
        s = self.settings
        # First, before anything that can fail on a missing stream: this worker is alive, and has
        # decided this many orders (the dashboard's per-worker throughput). Global: once, not per shard.
        await recovery.heartbeat(
            self.client, self.scripts, self.name, stale_ms=s.worker_stale_consumer_ms, decided=self.stats.decided()
        )
        await self._each_shard(self.recover_shard)
        removed = await recovery.remove_stale_consumers(
            self.client, self.scripts, self.name, stale_ms=s.worker_stale_consumer_ms, shards=self.shards
        )
        if removed:
            self.stats.consumers_removed += len(removed)
            log.info("removed stale consumers", extra={"consumers": removed})

    async def recover_shard(self, shard: int) -> None:
        """Recovery steps 1, 2 and 4 (recovery.py) on one shard's stream, and the shard's refunds due."""
        s = self.settings
        dead = await recovery.dead_letter_exhausted(
            self.client,
            self.scripts,
            min_idle_ms=s.worker_claim_idle_ms,
            max_deliveries=s.worker_max_deliveries,
            count=s.worker_batch_size,
            order_ttl=s.order_ttl_seconds,
            shard=shard,
            shards=self.shards,
        )
        if self.payments is not None:
            # Orders failed while paying were noted as refunds due by the dead-letter step itself: a charge
            # that went through goes back (now, or in any worker's later round if the provider cannot answer).
            await self.settle_refunds(shard=shard)
        if dead:
            self.stats.count(shard, "dead_lettered", dead)
            metrics.DEAD_LETTERED.inc(dead)
            log.warning("dead-lettered entries", extra={"count": dead, "shard": shard})
        # One reclaimed batch in hand at a time, the shards one after the other (settings.max_batch_ms).
        claimed = await recovery.claim_idle(
            self.client,
            self.name,
            min_idle_ms=s.worker_claim_idle_ms,
            count=s.worker_batch_size,
            shard=shard,
            shards=self.shards,
        )
        if claimed:
            self.stats.count(shard, "reclaimed", len(claimed))
            metrics.RECLAIMED.inc(len(claimed))
            log.info("reclaimed idle entries", extra={"count": len(claimed), "shard": shard})
            await self.process(claimed, shard)
        self.stats.count(
            shard, "trimmed", await recovery.trim_acknowledged(self.client, shard=shard, shards=self.shards)
        )

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
        log.info(
            "consumer starting",
            extra={"consumer": self.name, "group": keys.CONSUMER_GROUP, "shards": self.shards.count},
        )
        if self.payments is None:
            log.info("payments off (WORKER_PAYMENT_PROVIDER_URL empty): orders are confirmed right after reserving")
        else:
            log.info("payments on", extra={"provider": self.settings.worker_payment_provider_url})
        try:
            await asyncio.gather(self.read_loop(stop), self.recovery_loop(stop), self.expiry_loop(stop))
        finally:
            if self.payments is not None:
                await self.payments.aclose()
        await self.leave()
        log.info("consumer stopped", extra={"consumer": self.name})

    async def leave(self) -> None:
        """Stopping gracefully: no heartbeat left behind, and no empty consumer in any shard's group."""
        try:
            removed = await recovery.leave(self.client, self.scripts, self.name, shards=self.shards)
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
