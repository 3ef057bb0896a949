"""The API's request and response bodies.

Requests are validated with these very models, and /openapi.json is generated from
them, so the published contract cannot drift from the code.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.networks import validate_email

from ticketing_common.payment import PaymentMethod
from ticketing_common.status import OrderStatus, PaymentStatus, SaleState

from .email_address import normalized_if_plain

# Control characters (NUL, newlines, escapes: Unicode category Cc, which is exactly U+0000-001F and
# U+007F-009F) have no place in a name or an id; nor lone surrogates (category Cs, U+D800-DFFF), which
# Redis cannot store as UTF-8 (pydantic's strict str refuses them first). The pattern tells clients
# about the control characters.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
_REFUSED_CHARACTERS = re.compile("[\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]")


def _no_control_characters(value: str) -> str:
    if _REFUSED_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


def _email(value: str) -> str:
    # The common address is checked without email-validator's full (and, per order, costly) pass;
    # every other one, and every refusal, is pydantic's EmailStr exactly (see email_address.py).
    plain = normalized_if_plain(value)
    return plain if plain is not None else validate_email(value)[1]


# pydantic's EmailStr, with a fast path: the same values accepted, the same normalised result, the
# same errors, and the same schema (tests/test_email_address.py holds it to that).
Email = Annotated[str, AfterValidator(_email), Field(json_schema_extra={"format": "email"})]


_Bounded = TypeVar("_Bounded", bound=str)

# Free text from a client: stripped (the models' config), bounded, and without control characters.
# Generic over its bounds, which come first: Text[Annotated[str, StringConstraints(...)]]. An alias,
# not a function returning Annotated[...], so that type checkers see a type.
Text = Annotated[
    _Bounded,
    AfterValidator(_no_control_characters),
    Field(json_schema_extra={"pattern": NO_CONTROL_CHARACTERS}),
]

TicketId = Text[Annotated[str, StringConstraints(min_length=1, max_length=64)]]


class _Strict(BaseModel):
    # Strict: "2" is not a quantity and 5 is not a name; wrong types are errors, not guesses.
    # Unknown fields are refused: a client sending unitPrice or grandTotal learns they are not used.
    model_config = ConfigDict(strict=True, str_strip_whitespace=True, extra="forbid")


class Customer(_Strict):
    name: Text[Annotated[str, StringConstraints(min_length=1, max_length=200)]]
    email: Annotated[Email, Field(max_length=254)]


class OrderItemRequest(_Strict):
    ticketId: TicketId
    qty: Annotated[int, Field(ge=1, description="tickets of this type; the order's total is capped by the server")]


def _card_digits(value: str) -> str:
    digits = value.replace(" ", "")
    if not digits.isascii() or not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise ValueError("must be 13 to 19 digits (spaces allowed)")
    return digits


class Card(_Strict):
    number: Annotated[
        str,
        StringConstraints(max_length=40),
        AfterValidator(_card_digits),
        Field(
            description="13 to 19 digits, spaces allowed; kept only until the charge is decided, never returned. "
            "Test numbers: 4242 4242 4242 4242 approves, 4000 0000 0000 0002 declines, 4000 0000 0000 0119 errors, "
            "4000 0000 0000 3220 answers late",
            json_schema_extra={"pattern": "^[0-9 ]+$"},
            examples=["4242 4242 4242 4242"],
        ),
    ]


class CreateOrderRequest(_Strict):
    customer: Customer
    items: Annotated[list[OrderItemRequest], Field(min_length=1, max_length=50)]
    # Not strict here: in strict mode pydantic takes only PaymentMethod instances, never the JSON string.
    paymentMethod: Annotated[PaymentMethod, Field(strict=False, examples=["credit_card"])]
    payLater: Annotated[
        bool,
        Field(description="only reserve: the tickets are held until holdExpiresAt for POST /orders/{id}/payment"),
    ] = False
    card: Annotated[Card | None, Field(description="the card to charge (without it: the provider's mix)")] = None


class PaymentRequest(_Strict):
    paymentMethod: Annotated[PaymentMethod, Field(strict=False, examples=["credit_card"])]
    card: Card | None = None


class _Response(BaseModel):
    # A response body is built through its model: a field the model does not document is a bug.
    model_config = ConfigDict(extra="forbid")


class CreateOrderResponse(_Response):
    orderId: str
    status: OrderStatus
    grandTotal: float
    currency: str
    message: str


class Ticket(_Response):
    id: str
    name: str
    type: Annotated[str, Field(examples=["adult"])]
    price: Annotated[float, Field(examples=[25.0])]
    currency: Annotated[str, Field(examples=["EUR"])]
    description: str
    available: Annotated[int, Field(description="tickets still available (live stock)")]


class TicketList(_Response):
    tickets: list[Ticket]


class OrderItem(_Response):
    ticketId: str
    type: str
    qty: int
    unitPrice: float
    total: float


class OrderCustomer(_Response):
    name: str
    email: str


class Payment(_Response):
    status: Annotated[PaymentStatus, Field(description="what the charge came to")]
    attempts: Annotated[int, Field(description="charge calls made")]
    chargeId: Annotated[str | None, Field(description="the provider's id of the charge")] = None


class PaymentStarted(_Response):
    orderId: str
    status: OrderStatus
    message: str


class OrderCancelled(_Response):
    orderId: str
    status: OrderStatus


class Order(_Response):
    orderId: str
    customer: OrderCustomer
    items: list[OrderItem]
    grandTotal: float
    currency: str
    paymentMethod: PaymentMethod
    status: OrderStatus
    createdAt: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    decidedAt: Annotated[str | None, Field(json_schema_extra={"format": "date-time"})] = None
    reason: Annotated[str | None, Field(description="why the order was rejected, released or failed")] = None
    payLater: Annotated[bool, Field(description="reserved only; paid with POST /orders/{id}/payment")] = False
    holdExpiresAt: Annotated[
        str | None,
        Field(
            description="until when the tickets are held (once reserved); unpaid by then, the order expires",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None
    payment: Annotated[Payment | None, Field(description="the charge, once one was tried")] = None


class Error(_Response):
    error: Annotated[str, Field(description="what is wrong, naming the field where there is one")]
    field: Annotated[str | None, Field(description="the request field at fault, e.g. items[0].qty")] = None


class StreamStatus(_Response):
    length: Annotated[int, Field(description="entries in the order stream")]
    lag: Annotated[int, Field(description="orders not yet delivered to any worker")]
    pending: Annotated[int, Field(description="orders delivered to a worker, not yet acknowledged")]
    deadLetter: Annotated[int, Field(description="entries in the dead-letter stream")]


class ConsumerStatus(_Response):
    name: str
    pending: Annotated[int, Field(description="entries this worker holds unacknowledged")]
    idleMs: Annotated[int, Field(description="milliseconds since this worker last read from the stream")]


class StockStatus(_Response):
    ticketId: str
    type: str
    initial: int
    available: int
    held: Annotated[int, Field(description="tickets held by reserved or paying orders")] = 0
    sold: int
    drift: Annotated[int, Field(description="initial - available - held - sold: always 0")] = 0


class EndedTotals(_Response):
    """Orders that ended in each terminal status (status.TERMINAL_STATUSES) since the last reset, counted
    in the same Lua step that ended them."""

    confirmed: int
    rejected: int
    payment_failed: int
    expired: int
    cancelled: int
    failed: int


class PaymentTotals(_Response):
    """Charges per outcome (status.PaymentStatus) since the last reset, as recorded on the orders by the
    confirm and release steps; `refunded` counts refunds recorded later on an order that could not be confirmed."""

    approved: int
    declined: int
    error: int
    timeout: int
    refunded: int


class Totals(_Response):
    accepted: Annotated[
        int, Field(description="orders queued since the stream began (its entries-added; a reset restarts it)")
    ]
    decided: Annotated[int, Field(description="of those, entries the workers have acknowledged (decided or set aside)")]
    byStatus: Annotated[
        EndedTotals, Field(description="orders ended per terminal status (exact, since the last reset)")
    ]
    payments: Annotated[PaymentTotals, Field(description="charges per outcome (exact, since the last reset)")]


class WorkerStatus(_Response):
    name: Annotated[str, Field(description="the worker's consumer name")]
    heartbeatAgeMs: Annotated[int, Field(description="milliseconds since its last heartbeat (Redis's clock)")]
    decided: Annotated[
        int, Field(description="orders it has decided since it started, as of its last heartbeat (cumulative)")
    ]


class SystemStatus(_Response):
    time: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    stream: StreamStatus
    totals: Totals
    consumers: list[ConsumerStatus]
    workers: Annotated[
        list[WorkerStatus], Field(description="running worker processes (pods), from their heartbeats, by name")
    ]
    stock: list[StockStatus]


DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class ScalingTarget(_Response):
    # Every field is always present (null where unknown), in both sources, so the dashboard draws one view.
    name: Annotated[str, Field(examples=["order-worker"])]
    current: Annotated[int, Field(description="replicas running")]
    desired: Annotated[int, Field(description="replicas the autoscaler wants")]
    min: int
    max: int
    metric: Annotated[Literal["lag", "cpu"], Field(description="lag: the consumer group's lag; cpu: utilisation (%)")]
    metricValue: Annotated[
        float | None, Field(description="the metric now: the whole lag, or CPU % of the request; null if unread")
    ]
    target: Annotated[float, Field(description="lag per worker, or CPU % of the request")]
    overlay: Annotated[str | None, Field(description="the k8s overlay whose policy make up applies; null in a cluster")]
    timeScale: Annotated[float | None, Field(description="make up's AUTOSCALE_TIME_SCALE; null in a cluster")]
    stale: Annotated[bool, Field(description="the figures were not refreshed recently (the autoscaler stopped)")]
    updatedAt: DateTime


class ScalingEvent(_Response):
    time: DateTime
    target: str
    from_: Annotated[int, Field(alias="from")]
    to: int
    reason: Annotated[str, Field(examples=["lag 412 > 50 per worker"])]


class Scaling(_Response):
    source: Annotated[
        Literal["local-autoscaler", "kubernetes", "none"],
        Field(description="make up's autoscaler, the HPAs of the gateway's namespace, or neither"),
    ]
    message: Annotated[str | None, Field(description="why there is nothing, or what went wrong reading it")]
    targets: list[ScalingTarget]
    events: Annotated[list[ScalingEvent], Field(description="the last 50 scaling events, oldest first")]


class ResetResult(_Response):
    deleted: Annotated[int, Field(description="orders deleted")]


# The admin Database API (the spec's second OpenAPI document).

AdminKey = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9:._-]*$")]


class CreateRedisEntry(_Strict):
    key: Annotated[AdminKey, Field(examples=["user:1001"])]
    value: Annotated[
        dict,
        Field(description="JSON object to store at the key", examples=[{"name": "Alice", "age": 25, "role": "admin"}]),
    ]


class UpdateRedisEntry(_Strict):
    value: Annotated[dict, Field(description="JSON value to overwrite the existing key")]


class RedisEntry(_Response):
    key: str
    value: dict


class SuccessMessage(_Response):
    message: Annotated[str, Field(examples=["Operation completed successfully"])]
    key: str


# The waiting room (routes/sales.py; docs/waiting-room.md)
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
RoomStateName = Literal["off", "open", "paused", "closed"]
RoomModeName = Literal["fixed", "adaptive"]


class SaleNotOpenError(_Response):
    error: str
    opensAt: Annotated[str, Field(description="when the sale opens (ISO-8601 UTC)")]


class SaleRoom(_Response):
    state: RoomStateName


class Sale(_Response):
    saleId: str
    name: str
    opensAt: Annotated[str | None, Field(description="when the sale opens (ISO-8601 UTC); null: open now")]
    open: Annotated[
        bool,
        Field(
            description="the opening time (the room's or the scheduled sale's, the later) has passed; neither the room nor the sale is closed"
        ),
    ]
    room: SaleRoom


class SaleList(_Response):
    sales: list[Sale]


class JoinRequest(_Strict):
    visitorId: Annotated[
        str | None,
        Field(
            description="the id this browser was given before: the same place in line; unknown ids get a new one",
            pattern=UUID_PATTERN,
        ),
    ] = None


class VisitorStatus(_Response):
    visitorId: str
    saleId: str
    status: Literal["waiting", "admitted"]
    position: Annotated[int | None, Field(description="1-based place in line while waiting; null once admitted")]
    ahead: Annotated[int | None, Field(description="people ahead (position - 1)")]
    queueLength: Annotated[int, Field(description="people waiting now")]
    admissionRatePerSecond: Annotated[float, Field(description="visitors let in per second now (0: paused, not open)")]
    estimatedWaitSeconds: Annotated[float | None, Field(description="ahead / rate; null when the rate is 0")]
    pollAfterMs: Annotated[int, Field(description="when to ask again (grows with the place in line)")]
    opensAt: str | None
    roomState: RoomStateName
    admissionToken: Annotated[
        str | None, Field(description="once admitted: send it as the Admission-Token header of POST /orders")
    ]
    tokenExpiresAt: str | None
    usesLeft: Annotated[int | None, Field(description="orders this admission may still place")]


class WaitSeconds(_Response):
    p50: float | None
    p99: float | None
    count: Annotated[int, Field(description="recent admissions these figures are from")]


class RoomStats(_Response):
    saleId: str
    state: RoomStateName
    mode: RoomModeName
    rate: Annotated[float, Field(description="visitors/s: the fixed rate, or the adaptive mode's last figure")]
    queueLength: int
    admittedTotal: int
    admissionRatePerSecond: Annotated[float, Field(description="visitors let in per second over the last 10 s")]
    waitSeconds: WaitSeconds
    opensAt: str | None
    tokenTtlSeconds: int
    tokenUses: int


class RoomUpdate(_Strict):
    state: RoomStateName | None = None
    mode: RoomModeName | None = None
    rate: Annotated[float | None, Field(gt=0, le=100_000, strict=False, description="visitors/s (fixed mode)")] = None
    opensAt: Annotated[
        AwareDatetime | None,
        Field(strict=False, description="ISO-8601 with a time zone; null: open now"),
    ] = None
    tokenTtlSeconds: Annotated[int | None, Field(ge=10, le=86_400)] = None
    tokenUses: Annotated[int | None, Field(ge=1, le=100)] = None

    @field_validator("opensAt", mode="before")
    @classmethod
    def _opens_at_is_text(cls, value: object) -> object:
        # Not strict (a JSON string must parse), but a number is not the documented ISO-8601 string.
        if value is not None and not isinstance(value, str | datetime):
            raise ValueError("must be an ISO-8601 date-time string with a time zone")
        return value


# The catalogue of events (routes/events.py; docs/events.md)
SaleStateName = Literal["scheduled", "open", "closed"]
assert set(get_args(SaleStateName)) == {s.value for s in SaleState}  # one list of words: status.SaleState
CatalogueId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
MAX_STOCK_PER_WRITE = 10_000_000


def _text_datetime(value: object) -> object:
    # Not strict (a JSON string must parse), but a number is not the documented ISO-8601 string.
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("must be an ISO-8601 date-time string with a time zone")
    return value


TextDateTime = Annotated[
    AwareDatetime,
    Field(strict=False, description="ISO-8601 with a time zone", examples=["2027-07-16T14:00:00+02:00"]),
]


class TicketTypeCreate(_Strict):
    id: Annotated[CatalogueId, Field(description="unique across every event (POST /orders names only the ticket)")]
    name: Text[Annotated[str, StringConstraints(min_length=1, max_length=200)]]
    type: Annotated[Text[Annotated[str, StringConstraints(min_length=1, max_length=64)]], Field(examples=["adult"])]
    price: Annotated[
        Decimal, Field(strict=False, ge=0, le=1_000_000, decimal_places=2, examples=[25.0], allow_inf_nan=False)
    ]
    stock: Annotated[int, Field(ge=0, le=MAX_STOCK_PER_WRITE, description="tickets for sale (never lowered later)")]
    description: Text[Annotated[str, StringConstraints(max_length=2000)]] = ""


class EventCreate(_Strict):
    id: Annotated[CatalogueId, Field(examples=["nordlicht-2027"])]
    name: Text[Annotated[str, StringConstraints(min_length=1, max_length=200)]]
    venue: Text[Annotated[str, StringConstraints(max_length=200)]] = ""
    startsAt: TextDateTime
    saleOpensAt: Annotated[
        AwareDatetime | None,
        Field(strict=False, description="when the sale opens (not after startsAt); with it the sale is scheduled"),
    ] = None
    saleState: Annotated[
        SaleStateName | None,
        Field(description="default: scheduled with a saleOpensAt, closed without (open it with PUT .../sale)"),
    ] = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(examples=["EUR"])]
    tickets: Annotated[list[TicketTypeCreate], Field(max_length=100)] = []

    _text_dates = field_validator("startsAt", "saleOpensAt", mode="before")(_text_datetime)


class TicketTypesAdd(_Strict):
    tickets: Annotated[list[TicketTypeCreate], Field(min_length=1, max_length=100)]


class StockAdd(_Strict):
    add: Annotated[int, Field(ge=1, le=MAX_STOCK_PER_WRITE, description="tickets to add (stock is never lowered)")]


class SaleUpdate(_Strict):
    state: Annotated[
        SaleStateName | None,
        Field(description="open: on sale now; closed: not on sale; scheduled: from saleOpensAt on"),
    ] = None
    saleOpensAt: Annotated[
        AwareDatetime | None,
        Field(strict=False, description="ISO-8601 with a time zone, not after the event's start; alone: scheduled"),
    ] = None

    _text_dates = field_validator("saleOpensAt", mode="before")(_text_datetime)


class Event(_Response):
    id: str
    name: str
    venue: str
    startsAt: Annotated[str | None, Field(json_schema_extra={"format": "date-time"}, description="null: not announced")]
    saleOpensAt: Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]
    saleState: SaleStateName
    onSale: Annotated[bool, Field(description="POST /orders sells it now (open, or scheduled and opened)")]
    currency: str
    shard: Annotated[int, Field(description="the order-path shard its stock and orders live in")]
    tickets: Annotated[list[Ticket], Field(description="its ticket types with live availability")]


class EventList(_Response):
    events: Annotated[list[Event], Field(description="by start time")]


class TicketSales(_Response):
    ticketId: str
    name: str
    type: str
    initial: Annotated[int, Field(description="stock put on sale (additions included)")]
    available: int
    held: Annotated[int, Field(description="held by reserved or paying orders")]
    sold: Annotated[int, Field(description="sold by confirmed orders")]


class SalesFigures(_Response):
    initial: int
    available: int
    held: int
    sold: int


class EventSales(_Response):
    eventId: str
    name: str
    saleState: SaleStateName
    onSale: bool
    currency: str
    tickets: list[TicketSales]
    totals: SalesFigures
