"""The generator's settings, read from the environment (see the README's table).

They are the defaults of every run; a run's config (PUT /config, POST /start, CLI
options) can change the run-level ones without a restart.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from ticketing_common.settings import ServiceSettings

from .config import Mix, RunConfig, check_target_url, target_key
from .profiles import ConstantProfile, Profile, Rps


class WorkloadSettings(ServiceSettings):
    # Field names are the variable names, so a bad value is reported by its variable.
    # `host` (default 127.0.0.1) and `log_level` come from ServiceSettings.

    target_api: str = Field("http://127.0.0.1:8000", description="base URL of the API gateway")
    # NoDecode: a comma-separated list, not the JSON pydantic-settings expects for a list.
    workload_allowed_targets: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="base URLs a run may target besides TARGET_API (comma-separated); any other is refused (403)",
    )
    target_rps: Rps = Field(5.0, description="requests per second of the default (constant) profile")
    port: int = Field(9000, ge=1, le=65535, description="port the control API listens on")
    workload_token: SecretStr | None = Field(None, description="if set, start/stop/PUT config need this bearer token")
    workload_admin_token: SecretStr | None = Field(
        None,
        description="the gateway's ADMIN_TOKEN, sent when a rush opens the waiting room (unset: none; a gateway on "
        "loopback needs none)",
    )
    workload_duration_s: Annotated[float | None, Field(gt=0, le=7 * 24 * 3600)] = None
    workload_profile: Profile = Field(default_factory=ConstantProfile, description="default profile (JSON)")
    workload_mix: Mix = Field(default_factory=Mix, description="default order mix (JSON)")
    workload_max_in_flight: int = Field(500, ge=1, le=100_000, description="default cap on requests in flight")
    workload_timeout_s: float = Field(5.0, gt=0, le=300, description="default per-request timeout")
    workload_follow_share: float = Field(
        0.1, ge=0, le=1, description="default share of orders whose decision is polled"
    )
    workload_schedule_slack_ms: float = Field(
        100.0, ge=1, le=10_000, description="a request later than this behind its slot is dropped, not sent"
    )
    workload_poll_concurrency: int = Field(20, ge=1, le=1000, description="decision polls in flight at most")
    workload_poll_max: int = Field(30, ge=1, le=1000, description="polls of one order before giving up")
    workload_follow_capacity: int = Field(10_000, ge=1, le=1_000_000, description="orders followed at once at most")
    workload_connection_max_age_s: float = Field(
        10.0, ge=0, le=3600, description="renew connections this often so a scaled-out gateway gets load (0: never)"
    )
    workload_autostart: bool = Field(False, description="start the load when the service starts")

    @field_validator("target_api")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_target_url(value)

    @field_validator("workload_allowed_targets", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [v for v in (p.strip() for p in value.split(",")) if v] if isinstance(value, str) else value

    @field_validator("workload_allowed_targets")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [check_target_url(v) for v in value]

    @field_validator("workload_token", "workload_admin_token")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is None or value.get_secret_value().strip() else None

    def token(self) -> str | None:
        return self.workload_token.get_secret_value() if self.workload_token else None

    def admin_token(self) -> str | None:
        return self.workload_admin_token.get_secret_value() if self.workload_admin_token else None

    def allowed_targets(self) -> frozenset[str]:
        """What a run may target: TARGET_API, and WORKLOAD_ALLOWED_TARGETS (normalised)."""
        return frozenset(target_key(t) for t in (self.target_api, *self.workload_allowed_targets))

    def default_config(self) -> RunConfig:
        return RunConfig(
            targetApi=self.target_api,
            rps=self.target_rps,
            durationS=self.workload_duration_s,
            profile=self.workload_profile,
            mix=self.workload_mix,
            timeoutS=self.workload_timeout_s,
            maxInFlight=self.workload_max_in_flight,
            followShare=self.workload_follow_share,
        )
