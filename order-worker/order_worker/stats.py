"""What this worker has done, for GET /stats (Prometheus gets the same as metrics).

Each figure is the sum over the shards, and per shard under `shards` (a list, shard k at index k):
one shard lagging behind or dead-lettering shows there while the sums stay the figures they were."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from ticketing_common.status import DECIDING_OUTCOMES, DecisionOutcome

# The figures counted per shard (attributes of WorkerStats, summed over the shards) and their JSON names.
PER_SHARD = {
    "expired": "expired",
    "refunds": "refunds",
    "batches": "batches",
    "reclaimed": "reclaimed",
    "dead_lettered": "deadLettered",
    "trimmed": "trimmed",
}


@dataclass
class WorkerStats:
    consumer: str
    shard_count: int = 1
    started_at: float = field(default_factory=time.time)
    outcomes: Counter = field(default_factory=Counter)  # DecisionOutcome -> entries handled with it
    payments: Counter = field(default_factory=Counter)  # PaymentStatus -> charges that came to it
    expired: int = 0
    refunds: int = 0
    batches: int = 0
    reclaimed: int = 0
    dead_lettered: int = 0
    consumers_removed: int = 0
    trimmed: int = 0
    errors: int = 0
    last_error: str | None = None
    last_error_at: float | None = None
    # shard -> its share of the figures above: PER_SHARD's names, and outcomes as "outcome:<name>".
    by_shard: dict[int, Counter] = field(default_factory=dict)

    def count(self, shard: int, figure: str, n: int = 1) -> None:
        """Add `n` to a PER_SHARD figure, in the sum and in shard `shard`'s share."""
        setattr(self, figure, getattr(self, figure) + n)
        self.by_shard.setdefault(shard, Counter())[figure] += n

    def count_outcome(self, shard: int, outcome: DecisionOutcome) -> None:
        self.outcomes[outcome] += 1
        self.by_shard.setdefault(shard, Counter())[f"outcome:{outcome.value}"] += 1

    def error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message
        self.last_error_at = time.time()

    def decided(self) -> int:
        """Orders this worker decided (not entries it only acknowledged): published with its heartbeat."""
        return sum(self.outcomes[outcome] for outcome in DECIDING_OUTCOMES)

    def shard_as_dict(self, shard: int) -> dict:
        counts = self.by_shard.get(shard, Counter())
        processed = {
            name.removeprefix("outcome:"): n for name, n in counts.items() if name.startswith("outcome:") and n
        }
        return {
            "shard": shard,
            "processed": processed,
            "processedTotal": sum(processed.values()),
            **{json_name: counts[figure] for figure, json_name in PER_SHARD.items()},
        }

    def as_dict(self) -> dict:
        return {
            "consumer": self.consumer,
            "startedAt": self.started_at,
            "processed": dict(self.outcomes),
            "processedTotal": sum(self.outcomes.values()),
            "payments": dict(self.payments),
            "expired": self.expired,
            "refunds": self.refunds,
            "batches": self.batches,
            "reclaimed": self.reclaimed,
            "deadLettered": self.dead_lettered,
            "consumersRemoved": self.consumers_removed,
            "trimmed": self.trimmed,
            "errors": self.errors,
            "lastError": self.last_error,
            "lastErrorAt": self.last_error_at,
            "shards": [self.shard_as_dict(k) for k in range(self.shard_count)],
        }
