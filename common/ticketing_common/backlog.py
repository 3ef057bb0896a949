"""The order stream's backlog, as the gateway, the workers and the dashboard report it."""

from __future__ import annotations

from collections.abc import Iterator
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


def queue_backlog_reads(pipe: Any) -> None:
    """Queue the two reads the backlog is made of (XLEN, XINFO GROUPS) on a pipeline, sync or async.

    Execute it with ``raise_on_error=False`` and hand the two replies to `group_backlog`.
    """
    pipe.xlen(keys.ORDER_STREAM)
    pipe.xinfo_groups(keys.ORDER_STREAM)


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


def backlog_exposition(backlog: dict[str, int] | None) -> bytes:
    """The backlog gauges (BACKLOG_GAUGES) in Prometheus' text format; nothing when Redis could not be read.

    A registry of its own, built per scrape: no stale figure survives an outage, and the names
    cannot clash with a service's own metrics in one process (the tests import every service).
    """
    if backlog is None:
        return b""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    figures = backlog

    class Backlog:
        def collect(self) -> Iterator[GaugeMetricFamily]:
            for figure, (name, help_text) in BACKLOG_GAUGES.items():
                family = GaugeMetricFamily(name, help_text)
                family.add_metric([], figures[figure])
                yield family

    registry = CollectorRegistry()
    registry.register(Backlog())
    return generate_latest(registry)
