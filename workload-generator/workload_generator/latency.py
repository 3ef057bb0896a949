"""An HDR histogram of durations, reported in milliseconds."""

from __future__ import annotations

from hdrh.histogram import HdrHistogram

_US = 1_000_000


class Durations:
    """Durations recorded in microseconds, 1 µs .. `highest_s`, to `digits` significant digits."""

    def __init__(self, highest_s: float = 3600.0, digits: int = 3) -> None:
        self._highest = int(highest_s * _US)
        self._h = HdrHistogram(1, self._highest, digits)
        # Kept here: the library's mean walks every bucket (tens of ms per call).
        self._sum_us = 0

    def record(self, seconds: float) -> None:
        # Clamped, not dropped: a value off the scale still counts.
        value = min(max(int(seconds * _US), 1), self._highest)
        self._h.record_value(value)
        self._sum_us += value

    @property
    def count(self) -> int:
        return self._h.get_total_count()

    def percentiles_ms(self, *percentiles: float) -> list[float]:
        """Several percentiles in one pass over the buckets; zeros while empty."""
        if not self.count:
            return [0.0] * len(percentiles)
        values = self._h.get_percentile_to_value_dict(list(percentiles))
        return [_ms(values[p]) for p in percentiles]

    def max_ms(self) -> float:
        return _ms(self._h.get_max_value()) if self.count else 0.0

    def mean_ms(self) -> float:
        return _ms(self._sum_us / self.count) if self.count else 0.0


def _ms(us: float) -> float:
    return round(us / 1000, 3)
