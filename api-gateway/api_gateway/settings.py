"""The API gateway's settings, read from the environment (see the README's table)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from ticketing_common.settings import ServiceSettings

DEFAULT_CATALOGUE = Path(__file__).with_name("catalogue.json")


class GatewaySettings(ServiceSettings):
    port: int = Field(8000, ge=1, le=65535, description="port gunicorn listens on")
    web_concurrency: int = Field(
        default_factory=lambda: min(2 * (os.cpu_count() or 1) + 1, 8), ge=1, le=64,
        description="gunicorn worker processes (default: 2 x cores + 1, at most 8)",
    )
    gunicorn_threads: int = Field(4, ge=1, le=64, description="threads per gunicorn worker")
    catalogue_path: Path = Field(DEFAULT_CATALOGUE, description="the ticket catalogue (JSON)")
    max_tickets_per_order: int = Field(10, ge=1, le=1000, description="most tickets one order may hold")
    redis_startup_timeout: float = Field(30.0, ge=0, le=600, description="seconds to wait for Redis at start")
    max_body_bytes: int = Field(16 * 1024, ge=256, le=10 * 1024 * 1024, description="largest request body accepted")
