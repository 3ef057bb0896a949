"""Settings every service shares, and the one way a service loads its settings.

Each service subclasses `ServiceSettings`; every field is read from the
environment variable of the same name (upper case). A bad value stops the
service at start with one line naming the variable.
"""

from __future__ import annotations

import sys
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .keys import MAX_SHARDS, Shards


class ServiceSettings(BaseSettings):
    # env_ignore_empty: a variable set to "" is unset (Compose's ${X:-} passes empty values), so it
    # takes the default instead of failing as an empty number or URL.
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore", env_ignore_empty=True)

    # Loopback unless told otherwise: a laptop running the demo is not a server for its Wi-Fi.
    # Containers set HOST=0.0.0.0 (their network namespace is the boundary there).
    host: str = Field("127.0.0.1", min_length=1, description="address the service listens on")
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis connection URL")
    # One Redis (false) or a Redis Cluster reached through any of its nodes (true): redis_client.py.
    redis_cluster: bool = Field(False, description="REDIS_URL names a node of a Redis Cluster")
    redis_socket_timeout: float = Field(5.0, gt=0, le=300, description="seconds a Redis call may take before it fails")
    # Fixed for a deployment's data: the keys of another split are not moved (changing it needs a reset).
    redis_shards: int = Field(
        1, ge=1, le=MAX_SHARDS, description="shards of the order path (keys.Shards); every service the same"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="log level of the JSON logs on stdout"
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @property
    def shards(self) -> Shards:
        """The order path's shards (keys.Shards) of this deployment."""
        return Shards(self.redis_shards)

    @model_validator(mode="after")
    def _cluster_url(self) -> ServiceSettings:
        if self.redis_cluster:
            from .redis_client import cluster_url

            try:
                cluster_url(self.redis_url)
            except ValueError as e:
                raise ValueError(f"REDIS_URL with REDIS_CLUSTER=true: {e}") from None
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


S = TypeVar("S", bound=BaseSettings)


def describe_error(error: ValidationError) -> str:
    """One line naming each bad variable and what is wrong with it."""
    parts = []
    for e in error.errors():
        message = e["msg"].removeprefix("Value error, ")
        if not e["loc"]:  # a check across several variables names them in its message
            parts.append(message)
            continue
        name = ".".join(str(p) for p in e["loc"]).upper()
        value = e.get("input")
        got = f" (got {value!r})" if isinstance(value, (str, int, float)) else ""
        parts.append(f"{name}: {message}{got}")
    return "; ".join(parts)


def load_settings(cls: type[S], service: str) -> S:
    """The service's settings from the environment, or exit 2 with a one-line reason."""
    try:
        return cls()
    except ValidationError as e:
        print(f"{service}: bad configuration: {describe_error(e)}", file=sys.stderr)
        raise SystemExit(2) from None
