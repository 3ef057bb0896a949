"""The order worker's settings, read from the environment (see the README's table)."""

from __future__ import annotations

import math
import os
import socket
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from ticketing_common.settings import ServiceSettings


def _default_consumer_name() -> str:
    # Unique per process: two workers on one host must never share a pending list.
    return f"{socket.gethostname()}-{os.getpid()}"


class WorkerSettings(ServiceSettings):
    port: int = Field(8001, ge=1, le=65535, description="port of the health, stats and metrics API")
    consumer_name: str = Field(
        default_factory=_default_consumer_name,
        min_length=1,
        max_length=200,
        description="this worker's name in the consumer group (the pod name in Kubernetes)",
    )
    worker_batch_size: int = Field(100, ge=1, le=10_000, description="entries read and decided per batch")
    worker_block_ms: int = Field(2000, ge=1, le=60_000, description="how long a read waits for new entries")
    worker_claim_idle_ms: int = Field(
        30_000,
        ge=100,
        le=3_600_000,
        description="an entry unacknowledged this long in another worker's pending list is reclaimed",
    )
    worker_max_deliveries: int = Field(
        5, ge=1, le=1000, description="deliveries after which an entry goes to the dead-letter stream"
    )
    worker_recovery_interval_ms: int = Field(
        5000, ge=100, le=600_000, description="how often to reclaim, dead-letter, trim and prune"
    )
    worker_stale_consumer_ms: int = Field(
        300_000,
        ge=1000,
        description="a consumer whose worker has not heartbeaten for this long (it is dead) and that holds "
        "nothing is removed from the group",
    )
    worker_simulated_work_ms: int = Field(
        0,
        ge=0,
        le=60_000,
        description="pretend I/O-bound work per order (a payment call, say) before deciding; 0 = none. For demos of backlog and autoscaling",
    )
    worker_concurrency: int = Field(
        10,
        ge=1,
        le=1000,
        description="orders whose per-order work runs at once in this worker: with WORKER_SIMULATED_WORK_MS = w, "
        "one worker decides about WORKER_CONCURRENCY x 1000 / w orders/s",
    )
    order_ttl_seconds: int = Field(0, ge=0, description="expire decided orders after this many seconds (0 = keep them)")
    worker_hold_seconds: float = Field(
        900,
        gt=0,
        le=86_400,
        description="how long a reserved order holds its tickets before the expiry sweep releases them (15 min)",
    )
    worker_expiry_interval_ms: int = Field(
        1000, ge=50, le=600_000, description="how often this worker sweeps overdue holds (every worker sweeps)"
    )
    worker_expiry_batch: int = Field(200, ge=1, le=10_000, description="overdue holds expired per Lua step")
    worker_payment_provider_url: str = Field(
        "",
        description="the payment provider's base URL, e.g. http://127.0.0.1:8002; empty = payments off "
        "(orders are confirmed right after reserving)",
    )
    worker_payment_provider_token: SecretStr | None = Field(
        None,
        description="bearer token for the provider's charges and refunds (its PAYMENT_TOKEN); needed "
        "wherever the worker is not on the provider's loopback (Compose, Kubernetes)",
    )
    worker_payment_settle_seconds: float = Field(
        3.0,
        ge=0,
        le=120,
        description="after the last charge call timed out, wait this long before a last lookup: the provider "
        "records a charge within its PAYMENT_LATENCY_MAX_MS + 1 s of arrival, or never",
    )
    worker_payment_timeout_seconds: float = Field(
        1.0, gt=0, le=60, description="how long one charge call may take before it counts as a timeout"
    )
    worker_payment_max_attempts: int = Field(
        4, ge=1, le=20, description="charge calls per order before errors and timeouts count as payment_error"
    )
    worker_payment_backoff_ms: int = Field(
        100, ge=1, le=60_000, description="first retry delay of a charge; doubled per retry (capped 2 s), jittered"
    )
    worker_fault_point: Literal["", "after_reserve", "during_charge", "after_charge", "before_confirm"] = Field(
        "",
        description="TESTS ONLY: the process kills itself (os._exit) at this point of the first order reaching it",
    )

    @field_validator("worker_payment_provider_url")
    @classmethod
    def _provider_scheme(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, or be empty (payments off)")
        return value.rstrip("/")

    @property
    def payments_on(self) -> bool:
        return bool(self.worker_payment_provider_url)

    @property
    def shard_batch_size(self) -> int:
        """Entries one shard's read task takes at a time: WORKER_BATCH_SIZE shared out over the REDIS_SHARDS
        read tasks, so that a worker holds about one batch in all however many shards there are."""
        return math.ceil(self.worker_batch_size / self.redis_shards)

    @property
    def entries_in_hand(self) -> int:
        """The most entries a worker holds at once: every shard's read batch, and one reclaimed batch
        (recovery goes through the shards one after the other)."""
        return self.redis_shards * self.shard_batch_size + self.worker_batch_size

    @property
    def max_batch_ms(self) -> int:
        """The longest an entry can be in hand before its decision, in per-order work (see above)."""
        rounds = math.ceil(self.entries_in_hand / self.worker_concurrency)
        # With payments on, a round is at most one charge call's timeout more (a retried charge may be
        # reclaimed while in hand: harmless, charges are idempotent and every step checks the status).
        charge_ms = int(self.worker_payment_timeout_seconds * 1000) if self.payments_on else 0
        return rounds * (self.worker_simulated_work_ms + charge_ms)

    @model_validator(mode="after")
    def _consistent_timings(self) -> WorkerSettings:
        # A blocking XREADGROUP holds the connection silent for BLOCK ms; the client must
        # not take that silence for a dead socket.
        if self.worker_block_ms >= self.redis_socket_timeout * 1000:
            raise ValueError(
                f"WORKER_BLOCK_MS ({self.worker_block_ms}) must be shorter than "
                f"REDIS_SOCKET_TIMEOUT ({self.redis_socket_timeout} s)"
            )
        # A batch in hand must be decided before others may take it over as "stuck". The shards' read
        # batches and a reclaimed one share the WORKER_CONCURRENCY slots, so an entry may wait behind all
        # of them: ceil(entries in hand / concurrency) rounds of the per-order work (with one shard,
        # ceil(2 x batch / concurrency)).
        batch_ms = self.max_batch_ms
        if self.worker_claim_idle_ms <= batch_ms:
            raise ValueError(
                f"WORKER_CLAIM_IDLE_MS ({self.worker_claim_idle_ms}) must exceed ceil(entries in hand / "
                f"WORKER_CONCURRENCY) x (WORKER_SIMULATED_WORK_MS + WORKER_PAYMENT_TIMEOUT_SECONDS) ({batch_ms} ms; "
                f"{self.entries_in_hand} entries in hand: WORKER_BATCH_SIZE per shard shared out, and a reclaimed "
                "batch), or batches are reclaimed while in hand"
            )
        # Workers heartbeat once per recovery pass: a live one must never look stale.
        if self.worker_stale_consumer_ms < 3 * self.worker_recovery_interval_ms:
            raise ValueError(
                f"WORKER_STALE_CONSUMER_MS ({self.worker_stale_consumer_ms}) must be at least 3 x "
                f"WORKER_RECOVERY_INTERVAL_MS ({3 * self.worker_recovery_interval_ms} ms), or live workers "
                "look dead between their heartbeats"
            )
        return self
