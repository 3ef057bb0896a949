"""The shapes of the control API's bodies, for FastAPI's validation and a typed /docs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from .config import RunConfig, Rush
from .model import Strict
from .profiles import Rps, StagesProfile


class ConfigPatch(Strict):
    """A partial RunConfig: only the fields given change. `profile` and `mix` merge key by key (a
    profile of another `kind` replaces the profile whole); lists and plain values replace. The
    merged config is then validated as a whole (RunConfig)."""

    targetApi: Annotated[str | None, Field(max_length=2000, description="base URL of an allowed target")] = None
    rps: Rps | None = None
    durationS: Annotated[float | None, Field(gt=0, le=7 * 24 * 3600, description="null: until stopped")] = None
    profile: Annotated[dict[str, Any] | None, Field(description="a profile, or changes to the current one")] = None
    mix: Annotated[dict[str, Any] | None, Field(description="changes to the order mix")] = None
    timeoutS: Annotated[float | None, Field(gt=0, le=300)] = None
    maxInFlight: Annotated[int | None, Field(ge=1, le=100_000)] = None
    followShare: Annotated[float | None, Field(ge=0, le=1)] = None
    rush: Annotated[
        dict[str, Any] | None,
        Field(description="a waiting-room rush (see Rush), or changes to the current one; null: back to the rate"),
    ] = None
    scenario: Annotated[
        str | None,
        Field(
            max_length=100,
            description="a named scenario (GET /scenarios): its profile and duration, before the other fields here",
        ),
    ] = None

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as JSON (an explicit null stays: durationS: null means until stopped)."""
        return self.model_dump(mode="json", exclude_unset=True)


class ErrorBody(BaseModel):
    error: str = Field(description='"<field>: <what is wrong>"')
    field: str | None = Field(None, description="the field at fault, when there is one")


class AchievedRps(BaseModel):
    last10s: float
    overall: float


class Requests(BaseModel):
    sent: int
    succeeded: int
    failed: int
    dropped: int
    inFlight: int
    byStatus: dict[str, int] = Field(description="responses by HTTP status")
    byError: dict[str, int] = Field(description="requests without a response: timeout, connection, other")
    droppedByReason: dict[str, int] = Field(description="inFlightCap, behindSchedule")


class LatencyMs(BaseModel):
    p50: float
    p90: float
    p99: float
    p999: float
    max: float
    mean: float
    count: int


class TimeToDecisionMs(BaseModel):
    p50: float
    p90: float
    p99: float
    max: float


class Decisions(BaseModel):
    followed: int
    confirmed: int
    rejected: int
    failed: int
    byStatus: dict[str, int] = Field(
        description="followed orders by the final status they reached, whatever the gateway answered "
        "(confirmed, rejected, payment_failed, expired, cancelled, failed, ...)"
    )
    pending: int
    unresolved: int
    skipped: int
    timeToDecisionMs: TimeToDecisionMs


class Payments(BaseModel):
    payLater: int = Field(description="orders sent with payLater, to be paid payAfterS later")
    abandoned: int = Field(description="orders sent with payLater and never paid (their hold expires)")
    sent: int = Field(description="POST /orders/{id}/payment calls that ended (after their retries of a 409)")
    byStatus: dict[str, int] = Field(
        description="the payment calls by their last answer: HTTP status, or timeout/connection/other, or skipped"
    )


class ErrorSample(BaseModel):
    at: str = Field(description="when it came back (ISO 8601 UTC)")
    body: str = Field(description="the response body (or the transport error), at most 300 characters")


class SeriesPoint(BaseModel):
    t: int = Field(description="unix second")
    targetRps: float
    rps: int = Field(description="requests sent in that second")
    p50Ms: float
    p99Ms: float
    errors: int
    dropped: int
    backpressure: int = Field(description="503 answers (the gateway shedding load)")


class WaitMs(BaseModel):
    p50: float
    p90: float
    p99: float
    max: float
    count: int


class RushOrders(BaseModel):
    placed: int = Field(description="POST /orders sent by admitted visitors")
    byStatus: dict[str, int] = Field(description="by HTTP status (noAnswer: timeout or connection error)")


class RushStats(BaseModel):
    saleId: str
    visitors: int = Field(description="visitors the rush sends")
    arrived: int = Field(description="visitors started so far")
    joined: int = Field(description="joins answered 200/201")
    joinFailures: dict[str, int] = Field(description="joins refused, by HTTP status or error kind")
    waiting: int = Field(description="joined, not yet admitted, still waiting")
    admitted: int
    admissionsPerSecond: AchievedRps
    waitMs: WaitMs = Field(description="from the join's answer to the answer that said admitted")
    left: int = Field(description="left the queue early (DELETE answered 204)")
    lost: int = Field(description="no longer in the room while waiting (a poll answered 404, or a leave failed)")
    abandoned: int = Field(description="admitted and never ordered")
    noToken: int = Field(description="admitted without an admissionToken in the answer")
    givenUp: int = Field(description="still out when the rush was stopped or reached its deadline")
    active: int = Field(description="visitors started and not yet done")
    polls: int = Field(description="status polls sent (at the pollAfterMs the gateway asked for)")
    pollErrors: dict[str, int] = Field(description="polls not answered 200, by HTTP status or error kind")
    orders: RushOrders
    tokenRefusals: dict[str, int] = Field(
        description="orders refused for the token: 401 invalid, 403 other sale, 429 used up"
    )


class StatsResponse(BaseModel):
    running: bool
    startedAt: str | None
    finishedAt: str | None = Field(description="when the run's requests had all ended; null while it runs")
    elapsedS: float
    config: RunConfig
    targetRps: float
    achievedRps: AchievedRps
    requests: Requests
    latencyMs: LatencyMs
    decisions: Decisions
    payments: Payments
    errorSamples: dict[str, list[ErrorSample]] = Field(
        description="the latest 3 failed answers per HTTP status (or 'transport' without a response), "
        "cleared at each start"
    )
    rush: RushStats | None = Field(None, description="a rush run's visitors (null for a rate run)")
    series: list[SeriesPoint]


class StageWindow(BaseModel):
    label: str | None
    startS: float
    endS: float
    fromRps: float
    toRps: float


class ScenarioInfo(BaseModel):
    name: str = Field(description='what POST /start {"scenario": ...} takes')
    kind: Literal["rate", "rush"] = Field(
        "rate", description="a rate schedule, or a rush of visitors through the waiting room"
    )
    title: str
    description: str
    durationS: float = Field(description="the run's length: every stage (a rush: its deadline, an upper bound)")
    peakRps: float = Field(description="orders/s (a rush: visitors arriving per second)")
    profile: StagesProfile = Field(description="its stages (a rush: its visitors' arrivals per second)")
    timeline: list[StageWindow] = Field(description="each stage's time window and rates, for a chart")
    rush: Rush | None = Field(None, description="a rush scenario's visitors; null for a rate scenario")


class ScenarioList(BaseModel):
    scenarios: list[ScenarioInfo]


class Status(BaseModel):
    status: str
