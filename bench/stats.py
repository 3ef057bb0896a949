"""The figures computed from samples: latency percentiles, and timestamps as seconds."""

from __future__ import annotations

from datetime import datetime


def percentiles_ms(values_s: list[float], digits: int = 1) -> dict:
    """Count, p50/p90/p99/p99.9, max and mean of durations in seconds, in milliseconds."""
    if not values_s:
        return {"count": 0}
    s = sorted(values_s)

    def p(q: float) -> float:
        return round(s[min(int(q / 100 * len(s)), len(s) - 1)] * 1000, digits)

    return {
        "count": len(s),
        "p50": p(50),
        "p90": p(90),
        "p99": p(99),
        "p999": p(99.9),
        "max": round(s[-1] * 1000, digits),
        "mean": round(sum(s) / len(s) * 1000, digits),
    }


def iso_seconds(value: str) -> float:
    """'2027-01-01T12:00:00.123Z' -> seconds since the epoch."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
