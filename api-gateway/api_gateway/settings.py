"""The API gateway's settings, read from the environment (see the README's table)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from ticketing_common.settings import ServiceSettings

DEFAULT_CATALOGUE = Path(__file__).with_name("catalogue.json")


class GatewaySettings(ServiceSettings):
    port: int = Field(8000, ge=1, le=65535, description="port gunicorn listens on")
    web_concurrency: int = Field(
        default_factory=lambda: min(2 * (os.cpu_count() or 1) + 1, 8),
        ge=1,
        le=64,
        description="gunicorn worker processes (default: 2 x cores + 1, at most 8)",
    )
    gunicorn_worker_class: Literal["gthread", "sync"] = Field(
        "gthread",
        description="gunicorn worker class: gthread (GUNICORN_THREADS threads a process, keep-alive) or sync "
        "(one request at a time a process, a connection per request)",
    )
    gunicorn_threads: int = Field(4, ge=1, le=64, description="threads per gunicorn worker")
    catalogue_path: Path = Field(
        DEFAULT_CATALOGUE, description="the catalogue's seed (JSON: a list of events), written to Redis where absent"
    )
    default_event_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="the event GET /tickets shows without a filter, and the waiting room's sale "
        "(default: the catalogue's first event)",
    )
    max_tickets_per_order: int = Field(10, ge=1, le=1000, description="most tickets one order may hold")
    stock_check_interval_seconds: float = Field(
        5.0,
        ge=0,
        le=3600,
        description="how often each gateway process checks that Redis still has the stock, and "
        "initialises it again from the catalogue if not (0 = never)",
    )
    redis_startup_timeout: float = Field(30.0, ge=0, le=600, description="seconds to wait for Redis at start")
    idempotency_ttl_seconds: int = Field(
        86_400, ge=1, le=30 * 86_400, description="how long an Idempotency-Key is remembered"
    )
    max_stream_backlog: int = Field(
        100_000, ge=0, description="undecided orders at which intake answers 503 (0 = no bound)"
    )
    # Only with replicas (a Redis Cluster's): on a Redis without any, every new order would be a 503.
    order_replica_acks: int = Field(
        0, ge=0, le=5, description="replicas that must hold a new order before its 201 (WAIT; 0 = no WAIT)"
    )
    order_replica_timeout_ms: int = Field(
        50, ge=1, le=5_000, description="how long intake's WAIT for those replicas may take (ms)"
    )
    admin_token: SecretStr | None = Field(
        None, description="enables the admin Redis API (/redis) for callers presenting this bearer token"
    )
    admin_max_value_bytes: int = Field(65_536, ge=16, le=1_048_576, description="largest admin API value")
    cors_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="comma-separated origins allowed to call the API from a browser"
    )
    max_body_bytes: int = Field(16 * 1024, ge=256, le=10 * 1024 * 1024, description="largest request body accepted")
    # Set by Kubernetes in every pod (even with enableServiceLinks off): with a mounted service-account
    # token, GET /system/scaling reads the namespace's HPAs from this API server.
    kubernetes_service_host: str | None = Field(None, description="the Kubernetes API server (set in a pod)")
    kubernetes_service_port: int = Field(443, ge=1, le=65535, description="its port (set in a pod)")
    # The waiting room (docs/waiting-room.md). The ROOM_* values are the room's first settings, written
    # only where the room in Redis has none yet: after that the operator's PUT /sales/{id}/room rules.
    room_state: Literal["off", "open", "paused", "closed"] = Field(
        "off", description="the waiting room's initial state (off: POST /orders needs no admission token)"
    )
    room_mode: Literal["fixed", "adaptive"] = Field(
        "fixed", description="admit at ROOM_RATE (fixed) or at the rate the order workers keep up with (adaptive)"
    )
    room_rate: float = Field(50.0, gt=0, le=100_000, description="visitors admitted per second in fixed mode")
    room_opens_at: AwareDatetime | None = Field(
        None, description="the sale's initial opening time (ISO-8601 with a time zone; unset: open now)"
    )
    room_token_ttl_seconds: int = Field(600, ge=10, le=86_400, description="how long an admission token is good for")
    room_token_uses: int = Field(2, ge=1, le=100, description="orders one admission token may place")
    room_tick_interval_seconds: float = Field(
        0.2, ge=0, le=60, description="how often each gateway process runs admission for an open room (0 = never)"
    )
    admission_key_rotation_seconds: int = Field(
        3600,
        ge=60,
        le=30 * 86_400,
        description="admission token signing keys rotate this often (current and previous verify)",
    )
    admission_secret: SecretStr | None = Field(
        None,
        description="the admission tokens' master secret, at least 32 characters; unset: one generated once in Redis",
    )

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("admin_token", "admission_secret", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("admin_token")
    @classmethod
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @field_validator("admission_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value
