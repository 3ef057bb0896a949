"""The run configuration (the JSON of GET/PUT /config and POST /start), its validation and partial updates."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from ticketing_common import validation
from ticketing_common.payment import PaymentMethod

from .model import Strict
from .profiles import PROFILE_KINDS, ConstantProfile, Profile, Rps

Weight = Annotated[float, Field(gt=0, le=1_000_000)]


class ConfigError(ValueError):
    """A config the generator refuses; str() is "<field>: <what is wrong>" (the field may be "")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field, self.message = field, message


class TargetNotAllowed(ConfigError):
    """A targetApi the operator has not allowed (WORKLOAD_ALLOWED_TARGETS)."""


class TicketWeight(Strict):
    ticketId: Annotated[str, Field(min_length=1, max_length=64)]
    weight: Weight = 1.0


class QtyWeight(Strict):
    qty: Annotated[int, Field(ge=1, le=1000)]
    weight: Weight


class MethodWeight(Strict):
    # Not strict: strict mode would take only enum instances from Python data, and a config is JSON.
    method: Annotated[PaymentMethod, Field(strict=False)]
    weight: Weight


class CardShare(Strict):
    # The payment provider's test numbers (its README): 4242 4242 4242 4242 approves,
    # 4000 0000 0000 0002 declines, ...0119 errors, ...3220 times out.
    number: Annotated[str, Field(pattern=r"^[0-9 ]{13,23}$", description="13-19 digits, spaces allowed")]
    share: Annotated[float, Field(gt=0, le=1, description="share of orders paid with this card")]

    @field_validator("number")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not 13 <= len(value.replace(" ", "")) <= 19:
            raise ValueError("must have 13-19 digits")
        return value


def _default_quantities() -> list[QtyWeight]:
    return [QtyWeight(qty=q, weight=w) for q, w in ((1, 60), (2, 25), (3, 10), (4, 5))]


def _default_methods() -> list[MethodWeight]:
    weights = {
        PaymentMethod.CREDIT_CARD: 40,
        PaymentMethod.DEBIT_CARD: 20,
        PaymentMethod.PAYPAL: 15,
        PaymentMethod.APPLE_PAY: 10,
        PaymentMethod.GOOGLE_PAY: 10,
        PaymentMethod.BANK_TRANSFER: 5,
    }
    return [MethodWeight(method=m, weight=w) for m, w in weights.items()]


class Mix(Strict):
    """What the generated orders look like."""

    # Declared first: the validators below check against it.
    maxTicketsPerOrder: Annotated[int, Field(ge=1, le=1000, description="the gateway's cap; no order exceeds it")] = 10
    tickets: Annotated[
        list[TicketWeight] | None,
        Field(min_length=1, max_length=1000, description="null: every ticket with stock, from GET /tickets at start"),
    ] = None
    quantities: Annotated[list[QtyWeight], Field(min_length=1, max_length=100)] = Field(
        default_factory=_default_quantities
    )
    paymentMethods: Annotated[list[MethodWeight], Field(min_length=1, max_length=6)] = Field(
        default_factory=_default_methods
    )
    multiItemShare: Annotated[float, Field(ge=0, le=1, description="share of orders with 2..maxItems lines")] = 0.2
    maxItems: Annotated[int, Field(ge=2, le=50, description="most lines in a multi-item order")] = 3
    # Payment (the reserve-pay-confirm lifecycle). An order is either paid at once (the default), or
    # sent with payLater and paid payAfterS later (payLaterShare), or sent with payLater and never
    # paid, so that its hold expires (abandonShare).
    cards: Annotated[
        list[CardShare] | None,
        Field(
            max_length=20,
            description="share of orders using each card number (the rest send none); null: no card, the provider's mix",
        ),
    ] = None
    payLaterShare: Annotated[
        float, Field(ge=0, le=1, description="share of orders sent with payLater and paid payAfterS later")
    ] = 0.0
    abandonShare: Annotated[
        float, Field(ge=0, le=1, description="share of orders sent with payLater and never paid (their hold expires)")
    ] = 0.0
    payAfterS: Annotated[float, Field(ge=0, le=600, description="delay before a payLater order is paid")] = 1.0

    @field_validator("tickets")
    @classmethod
    def _unique_tickets(cls, value: list[TicketWeight] | None) -> list[TicketWeight] | None:
        seen: set[str] = set()
        for i, t in enumerate(value or []):
            if t.ticketId in seen:
                raise ValueError(f"[{i}] ticket {t.ticketId!r} is listed twice")
            seen.add(t.ticketId)
        return value

    @field_validator("cards")
    @classmethod
    def _cards_share(cls, value: list[CardShare] | None) -> list[CardShare] | None:
        if value and sum(c.share for c in value) > 1 + 1e-9:
            raise ValueError("the shares add up to more than 1")
        return value

    @field_validator("abandonShare")
    @classmethod
    def _pay_later_shares(cls, value: float, info: ValidationInfo) -> float:
        paid_later = info.data.get("payLaterShare")
        if paid_later is not None and paid_later + value > 1 + 1e-9:
            raise ValueError(f"payLaterShare ({paid_later:g}) + abandonShare must not exceed 1")
        return value

    @field_validator("quantities")
    @classmethod
    def _within_cap(cls, value: list[QtyWeight], info: ValidationInfo) -> list[QtyWeight]:
        cap = info.data.get("maxTicketsPerOrder")
        for i, q in enumerate(value):
            if cap is not None and q.qty > cap:
                raise ValueError(f"[{i}] qty {q.qty} exceeds maxTicketsPerOrder ({cap})")
        return value


SALE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class Rush(Strict):
    """A rush (the `rush` scenario): visitors arrive in a burst, join the sale's waiting room, wait
    there polling their place at the pace the gateway asks for, and once admitted place one order
    with their admission token; some leave the queue early, some are admitted and never buy."""

    visitors: Annotated[int, Field(ge=1, le=200_000, description="virtual visitors, one journey each")] = 5000
    arrivalSpreadS: Annotated[
        float, Field(ge=0, le=3600, description="they arrive evenly over this many seconds (0: all at once)")
    ] = 5.0
    saleId: Annotated[
        str | None, Field(pattern=SALE_ID_PATTERN, description="the sale to queue for; null: the first of GET /sales")
    ] = None
    leaveShare: Annotated[
        float, Field(ge=0, le=1, description="share of visitors who leave the queue (DELETE) before admission")
    ] = 0.02
    abandonShare: Annotated[float, Field(ge=0, le=1, description="share of visitors admitted who never order")] = 0.1
    openRoom: Annotated[bool, Field(description="open the room first (PUT /sales/{saleId}/room, the operator API)")] = (
        True
    )
    roomRate: Annotated[
        float | None,
        Field(gt=0, le=100_000, description="admission rate (visitors/s, fixed mode) set when opening; null: keep"),
    ] = None
    deadlineS: Annotated[
        float, Field(gt=0, le=24 * 3600, description="the rush ends after this; visitors still out are given up")
    ] = 600.0

    @field_validator("abandonShare")
    @classmethod
    def _shares(cls, value: float, info: ValidationInfo) -> float:
        leave = info.data.get("leaveShare")
        if leave is not None and leave + value > 1 + 1e-9:
            raise ValueError(f"leaveShare ({leave:g}) + abandonShare must not exceed 1")
        return value


class RunConfig(Strict):
    targetApi: Annotated[str, Field(max_length=2000, description="base URL of the API gateway")] = (
        "http://127.0.0.1:8000"
    )
    rps: Annotated[Rps, Field(description="rate of the constant profile")] = 5.0
    durationS: Annotated[float | None, Field(gt=0, le=7 * 24 * 3600, description="null: until stopped")] = None
    profile: Profile = Field(default_factory=ConstantProfile)
    mix: Mix = Field(default_factory=Mix)
    timeoutS: Annotated[float, Field(gt=0, le=300, description="per-request timeout")] = 5.0
    maxInFlight: Annotated[int, Field(ge=1, le=100_000, description="requests in flight at most")] = 500
    followShare: Annotated[float, Field(ge=0, le=1, description="share of 201s whose decision is polled")] = 0.1
    # A rush run replaces the rate schedule: its visitors pace themselves (rps, profile and durationS
    # are not used; maxInFlight bounds every request of the rush, timeoutS each one).
    rush: Annotated[Rush | None, Field(description="a waiting-room rush instead of a rate; null: the rate")] = None

    @field_validator("targetApi")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_target_url(value)


def check_target_url(value: str) -> str:
    """An http(s) base URL with a host, without a trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValueError("has an invalid port") from None
    return value.strip().rstrip("/")


def target_key(url: str) -> str:
    """`url` in one spelling for the allow-list: HTTP://Gateway:80/ and http://gateway are one target."""
    parts = urlsplit(check_target_url(url))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{port}{parts.path.rstrip('/')}"


def check_allowed(config: RunConfig, allowed: frozenset[str] | None) -> None:
    """Raise TargetNotAllowed unless config.targetApi is on the allow-list (None: no list, the CLI)."""
    if allowed is not None and target_key(config.targetApi) not in allowed:
        raise TargetNotAllowed(
            "targetApi",
            f"{config.targetApi} is not an allowed target (the operator allows TARGET_API and WORKLOAD_ALLOWED_TARGETS)",
        )


def field_path(loc: tuple) -> str:
    """('mix', 'tickets', 0, 'weight') -> 'mix.tickets[0].weight', the way a client names the field.

    The profile's discriminator tag ('profile', 'ramp', 'overS') is left out: the client wrote profile.overS.
    """
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "profile" and parts[1] in PROFILE_KINDS:
        del parts[1]
    return validation.field_path(parts)


def describe(error: ValidationError) -> tuple[str, str]:
    """The first problem, as (field, what is wrong)."""
    return describe_first(error.errors(include_url=False))


def describe_first(errors: list) -> tuple[str, str]:
    """The first of pydantic's errors (or FastAPI's, "body" stripped from the loc) as (field, what is wrong)."""
    first = errors[0]
    kind, message = first["type"], first["msg"]
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    field = field_path(first["loc"])
    # A list-level check reports its item as "[i] ..."; attach it to the path.
    if message.startswith("[") and "] " in message:
        index, message = message[1:].split("] ", 1)
        field += f"[{index}]"
    return field, message


def validate(data: Any) -> RunConfig:
    try:
        return RunConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(*describe(e)) from None


def apply_patch(config: RunConfig, patch: Any) -> RunConfig:
    """`config` with a partial update applied, validated as a whole.

    Objects merge key by key; lists and plain values replace. An object whose `kind`
    differs from the current one (a new profile) replaces it whole.
    """
    if not isinstance(patch, dict):
        raise ConfigError("body", "must be a JSON object")
    return validate(_merge(config.model_dump(mode="json"), patch))


def _merge(base: dict, patch: dict) -> dict:
    out = dict(base)
    for key, value in patch.items():
        current = out.get(key)
        if (
            isinstance(value, dict)
            and isinstance(current, dict)
            and value.get("kind", current.get("kind")) == current.get("kind")
        ):
            out[key] = _merge(current, value)
        else:
            out[key] = value
    return out
