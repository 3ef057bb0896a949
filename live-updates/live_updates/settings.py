"""The live-updates service's settings, read from the environment (LIVE_* and the shared ones; see the
README's table). A bad value stops it at start with one line."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ticketing_common.settings import ServiceSettings


class LiveSettings(ServiceSettings):
    # `host` (default 127.0.0.1), `redis_url`, `redis_socket_timeout` and `log_level` come from
    # ServiceSettings. Field names are the variable names, so a bad value is reported by its variable.
    port: int = Field(8003, ge=1, le=65535, description="port the live-updates service listens on")
    live_gateway_url: str = Field(
        "http://127.0.0.1:8000", description="the API gateway, for the dashboard's GET /system/status and GET /sales"
    )
    live_max_subscribers: int = Field(
        20_000, ge=1, le=1_000_000, description="open streams one process accepts (more: 503)"
    )
    live_queue_size: int = Field(
        64,
        ge=2,
        le=10_000,
        description="events waiting for one subscriber; a subscriber that falls this far behind is dropped",
    )
    live_keepalive_seconds: float = Field(15.0, gt=0, le=300, description="a ': keep-alive' comment this often")
    live_retry_ms: int = Field(
        2000, ge=100, le=600_000, description="the `retry:` the browser waits before reconnecting"
    )
    live_read_block_ms: int = Field(
        1000, ge=10, le=60_000, description="how long one XREAD on the events stream blocks"
    )
    live_read_count: int = Field(1000, ge=1, le=100_000, description="most events one XREAD returns")
    live_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="how often queue places, the dashboard and the room are read"
    )
    live_stock_seconds: float = Field(0.25, gt=0, le=60, description="how often stock is read (sent on change)")
    live_replay_limit: int = Field(
        20_000, ge=0, le=1_000_000, description="most stream entries scanned to replay a reconnect (beyond: a snapshot)"
    )
    live_gateway_timeout_seconds: float = Field(2.0, gt=0, le=60, description="timeout of a call to the gateway")

    @field_validator("live_gateway_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> LiveSettings:
        # An XREAD blocked longer than a Redis call may take would fail as a timeout every time.
        if self.live_read_block_ms / 1000 >= self.redis_socket_timeout:
            raise ValueError(
                f"LIVE_READ_BLOCK_MS ({self.live_read_block_ms}) must be shorter than "
                f"REDIS_SOCKET_TIMEOUT ({self.redis_socket_timeout:g} s)"
            )
        return self
