"""The API gateway's settings, read from the environment (see the README's table)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
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
    catalogue_path: Path = Field(DEFAULT_CATALOGUE, description="the ticket catalogue (JSON)")
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

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("admin_token", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("admin_token")
    @classmethod
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value
