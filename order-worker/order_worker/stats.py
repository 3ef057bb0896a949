"""What this worker has done, for GET /stats (Prometheus gets the same as metrics)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from ticketing_common.status import DECIDING_OUTCOMES


@dataclass
class WorkerStats:
    consumer: str
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

    def error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message
        self.last_error_at = time.time()

    def decided(self) -> int:
        """Orders this worker decided (not entries it only acknowledged): published with its heartbeat."""
        return sum(self.outcomes[outcome] for outcome in DECIDING_OUTCOMES)

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
        }
