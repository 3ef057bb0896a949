"""The order streams' backlog, as the gateway, the workers and the dashboard report it,
and the rest of the store's state that the gateway exports at each scrape (stock, dead letters, consumers).

Each shard (keys.Shards) has its own order stream: every figure is read per shard (the reads of one
shard are one pipeline, a MULTI where they must agree, since on a Redis Cluster a transaction cannot
span two slots) and the system's figure is the sum over shards (`sum_backlogs`, `merge_states`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import keys


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


# The backlog as every service exports it to Prometheus: one gauge per figure, the same names everywhere.
BACKLOG_GAUGES = {
    "length": ("ticketing_stream_length", "entries in the order stream"),
    "lag": ("ticketing_stream_lag", "orders not yet delivered to any worker"),
    "pending": ("ticketing_stream_pending", "orders delivered to a worker but not yet acknowledged"),
}


ONE_SHARD = keys.ONE_SHARD


def queue_backlog_reads(pipe: Any, shards: keys.Shards = ONE_SHARD, shard: int = 0) -> None:
    """Queue the two reads one shard's backlog is made of (XLEN, XINFO GROUPS) on a pipeline, sync or async.

    Execute it with ``raise_on_error=False`` and hand the two replies to `group_backlog`.
    """
    pipe.xlen(shards.order_stream(shard))
    pipe.xinfo_groups(shards.order_stream(shard))


def queue_all_backlog_reads(pipe: Any, shards: keys.Shards) -> None:
    """Queue every shard's two backlog reads (no transaction needed: each shard's figure stands alone).
    Hand the replies to `shard_backlogs`."""
    for k in shards:
        queue_backlog_reads(pipe, shards, k)


def shard_backlogs(replies: list[Any]) -> list[dict[str, int]]:
    """Each shard's backlog (in shard order) from the replies of `queue_all_backlog_reads`.
    A shard whose stream cannot be read (an error reply of XLEN) raises it."""
    backlogs = []
    for length, groups in zip(replies[0::2], replies[1::2], strict=True):
        if isinstance(length, Exception):
            raise length
        backlogs.append(group_backlog(groups, int(length)))
    return backlogs


def sum_backlogs(backlogs: Iterable[dict[str, int]]) -> dict[str, int]:
    """The system's backlog: length, lag and pending summed over the shards."""
    total = {"length": 0, "lag": 0, "pending": 0}
    for backlog in backlogs:
        for figure in total:
            total[figure] += backlog[figure]
    return total


def group_backlog(groups: list[dict[str, Any]] | Exception, stream_length: int) -> dict[str, int]:
    """Length, lag and pending of the order stream, from XLEN and XINFO GROUPS.

    `groups` is XINFO GROUPS' reply as a pipeline returns it: an error reply (no stream yet)
    means there is no group yet.

    ``lag`` counts entries not yet delivered to any worker, ``pending`` entries delivered
    but not yet acknowledged. Before any worker has created the group, every entry is lag.
    Redis reports the lag as nil when it cannot tell (after some deletions); it is then
    bounded from above by the stream length less pending, which is what we report.
    """
    for group in groups if isinstance(groups, list) else []:
        if _text(group.get("name")) == keys.CONSUMER_GROUP:
            pending = int(group.get("pending", 0))
            lag = group.get("lag")
            if lag is None:
                lag = max(stream_length - pending, 0)
            return {"length": stream_length, "lag": int(lag), "pending": pending}
    return {"length": stream_length, "lag": stream_length, "pending": 0}


def _exposition(families: Iterable[Any]) -> bytes:
    """Families in Prometheus' text format, from a registry of their own built per scrape: no stale
    figure survives an outage, and the names cannot clash with a service's own metrics in one process
    (the tests import every service)."""
    from prometheus_client import CollectorRegistry, generate_latest

    collected = list(families)

    class Snapshot:
        def collect(self) -> Iterator[Any]:
            return iter(collected)

    registry = CollectorRegistry()
    registry.register(Snapshot())
    return generate_latest(registry)


def _backlog_families(backlog: dict[str, int]) -> Iterator[Any]:
    from prometheus_client.core import GaugeMetricFamily

    for figure, (name, help_text) in BACKLOG_GAUGES.items():
        family = GaugeMetricFamily(name, help_text)
        family.add_metric([], backlog[figure])
        yield family


def backlog_exposition(backlog: dict[str, int] | None) -> bytes:
    """The backlog gauges (BACKLOG_GAUGES) in Prometheus' text format; nothing when Redis could not be read."""
    return b"" if backlog is None else _exposition(_backlog_families(backlog))


# The rest of the store's state, exported by the gateway (every replica: rules aggregate with max()).
DEAD_LETTER_GAUGE = ("ticketing_dead_letter_entries", "entries in the dead-letter stream")
# Per ticket type (the catalogue's, so bounded): figure of StoreState.stock -> gauge.
STOCK_GAUGES = {
    "initial": ("ticketing_stock_initial_tickets", "tickets of the type at stock initialisation"),
    "available": ("ticketing_stock_available_tickets", "tickets of the type still available"),
    "held": ("ticketing_stock_held_tickets", "tickets of the type held by reserved or paying orders"),
    "sold": ("ticketing_stock_sold_tickets", "tickets of the type sold by confirmed orders"),
    "drift": ("ticketing_stock_drift_tickets", "initial - available - held - sold: any value but 0 is a bug"),
}
# Per consumer of the group (workers; stale ones are pruned, so bounded).
CONSUMER_GAUGES = {
    "pending": ("ticketing_consumer_pending_entries", "entries delivered to the consumer and not acknowledged"),
    # XINFO CONSUMERS' idle: since the consumer's last interaction as Redis counts it (on Redis 7.0, the
    # last read that got entries), so a quiet consumer's grows; holding entries while idle is the alarm.
    "idle": ("ticketing_consumer_idle_seconds", "seconds since the consumer's last interaction (XINFO CONSUMERS idle)"),
}
STATE_GAUGE_NAMES = (
    *(name for name, _ in BACKLOG_GAUGES.values()),
    DEAD_LETTER_GAUGE[0],
    *(name for name, _ in STOCK_GAUGES.values()),
    *(name for name, _ in CONSUMER_GAUGES.values()),
)


@dataclass(frozen=True)
class StoreState:
    backlog: dict[str, int]
    dead_letter: int
    stock: dict[str, dict[str, int]]  # ticket id -> initial, available, held, sold, drift
    consumers: dict[str, dict[str, float]]  # consumer name -> pending, idle (seconds)


def queue_state_reads(pipe: Any, shards: keys.Shards = ONE_SHARD, shard: int = 0) -> None:
    """Queue every read of one shard's StoreState on one pipeline: the backlog's two, then XINFO
    CONSUMERS, the dead-letter stream's length and the four stock hashes.

    Make the pipeline a transaction (MULTI): a decision moves a ticket from `available` to `sold`
    in one step, so read apart the hashes could show a drift that is not there. Execute it with
    ``raise_on_error=False`` and hand the replies to `store_state`.
    """
    queue_backlog_reads(pipe, shards, shard)
    pipe.xinfo_consumers(shards.order_stream(shard), keys.CONSUMER_GROUP)
    pipe.xlen(shards.dead_letter_stream(shard))
    pipe.hgetall(shards.stock_initial(shard))
    pipe.hgetall(shards.stock(shard))
    pipe.hgetall(shards.stock_sold(shard))
    pipe.hgetall(shards.stock_held(shard))


def _counts(reply: Any) -> dict[str, int]:
    return {_text(k): int(v) for k, v in reply.items()} if isinstance(reply, dict) else {}


def store_state(replies: list[Any]) -> StoreState | None:
    """StoreState from the replies of `queue_state_reads`; None when the store could not be read.

    No stream or no group yet (error replies of XINFO) just means nothing to report yet.
    """
    length, groups, consumers, dead_letter, initial, available, sold, held = replies
    if any(isinstance(r, Exception) for r in (length, dead_letter, initial, available, sold, held)):
        return None
    initial, available, sold, held = _counts(initial), _counts(available), _counts(sold), _counts(held)
    stock = {}
    for ticket in sorted(initial.keys() | available.keys() | sold.keys() | held.keys()):
        i, a, s, h = initial.get(ticket, 0), available.get(ticket, 0), sold.get(ticket, 0), held.get(ticket, 0)
        stock[ticket] = {"initial": i, "available": a, "held": h, "sold": s, "drift": i - a - h - s}
    return StoreState(
        backlog=group_backlog(groups, length),
        dead_letter=int(dead_letter),
        stock=stock,
        consumers={
            _text(c["name"]): {"pending": int(c["pending"]), "idle": int(c["idle"]) / 1000}
            for c in (consumers if isinstance(consumers, list) else [])
        },
    )


def merge_states(states: Iterable[StoreState | None]) -> StoreState | None:
    """The system's StoreState from every shard's: backlog and dead letters summed; stock per ticket
    (ticket ids are unique across events, so a ticket's figures come from its one shard; summed all the
    same); per consumer (every worker reads every shard) pending summed and idle the least. None when
    any shard could not be read: a partial figure would look like a real one."""
    states = list(states)
    if not states or any(state is None for state in states):
        return None
    stock: dict[str, dict[str, int]] = {}
    consumers: dict[str, dict[str, float]] = {}
    for state in states:
        assert state is not None
        for ticket, figures in state.stock.items():
            merged = stock.setdefault(ticket, dict.fromkeys(figures, 0))
            for figure, value in figures.items():
                merged[figure] += value
        for name, figures_f in state.consumers.items():
            seen = consumers.get(name)
            consumers[name] = (
                dict(figures_f)
                if seen is None
                else {"pending": seen["pending"] + figures_f["pending"], "idle": min(seen["idle"], figures_f["idle"])}
            )
    return StoreState(
        backlog=sum_backlogs(state.backlog for state in states if state is not None),
        dead_letter=sum(state.dead_letter for state in states if state is not None),
        stock=dict(sorted(stock.items())),
        consumers=consumers,
    )


def state_exposition(state: StoreState | None) -> bytes:
    """Every StoreState gauge (STATE_GAUGE_NAMES) in Prometheus' text format; nothing when unread."""
    if state is None:
        return b""
    from prometheus_client.core import GaugeMetricFamily

    def families() -> Iterator[Any]:
        yield from _backlog_families(state.backlog)
        dead = GaugeMetricFamily(*DEAD_LETTER_GAUGE)
        dead.add_metric([], state.dead_letter)
        yield dead
        for figure, (name, help_text) in STOCK_GAUGES.items():
            family = GaugeMetricFamily(name, help_text, labels=["ticket_id"])
            for ticket, figures in state.stock.items():
                family.add_metric([ticket], figures[figure])
            yield family
        for figure, (name, help_text) in CONSUMER_GAUGES.items():
            family = GaugeMetricFamily(name, help_text, labels=["consumer"])
            for consumer, consumer_figures in sorted(state.consumers.items()):
                family.add_metric([consumer], consumer_figures[figure])
            yield family

    return _exposition(families())
