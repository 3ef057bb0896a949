"""The events API's logic: browse the catalogue with live availability, the organisers' writes, and the
sale-state checks of intake. Plain functions taking their dependencies; routes/events.py is the HTTP edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from typing import cast

import redis
from redis.commands.core import Script

from ticketing_common import keys
from ticketing_common.order_record import money
from ticketing_common.status import CatalogueOutcome, SaleState

from . import catalogue as cat
from .catalogue import Catalogue, CatalogueEvent, CatalogueTicket, WriteRefused
from .domain_errors import (
    EventExists,
    InvalidEvent,
    SaleClosed,
    SaleNotOpen,
    TicketExists,
    UnknownEvent,
)
from .models import (
    CreateOrderRequest,
    Event,
    EventCreate,
    EventSales,
    SalesFigures,
    SaleUpdate,
    StockAdd,
    Ticket,
    TicketSales,
    TicketTypeCreate,
)
from .orders import order_event

ADD_STOCK_LUA = files(__package__).joinpath("add_stock.lua").read_text()


@dataclass(frozen=True)
class CatalogueScripts:
    """The organisers' scripts, registered once per app."""

    write: Script
    add_stock: Script


def _shown(value: str) -> str:
    return repr(value) if len(value) <= 64 else f"{value[:64]!r}..."


# Intake (POST /orders): one call, before the order is priced


def check_order(catalogue: Catalogue, order: CreateOrderRequest, now: datetime) -> CatalogueEvent | None:
    """The order's event, on sale at `now`: raises MixedEvents (422) when its tickets belong to more than
    one event, SaleClosed (409) or SaleNotOpen (425) when that event is not on sale. None when no item
    names a known ticket (price_order then refuses the unknown ticket, as before)."""
    if not any(catalogue.event_of(i.ticketId) for i in order.items):
        return None
    event = order_event(order, catalogue)  # the rule's one place: intake's
    check_on_sale(event, now)
    return event


def check_on_sale(event: CatalogueEvent, now: datetime) -> None:
    """Raise SaleClosed or SaleNotOpen (with its opening time) unless `event` is on sale at `now`."""
    if event.on_sale(now):
        return
    if event.saleState == SaleState.CLOSED:
        raise SaleClosed(f"the sale of event {event.id!r} is closed")
    assert event.saleOpensAt is not None  # a scheduled sale has its time (CatalogueEvent checks)
    opens_at = event.saleOpensAt.astimezone(UTC).isoformat().replace("+00:00", "Z")
    raise SaleNotOpen(f"the sale of event {event.id!r} opens at {opens_at}", opens_at)


# Browsing


def availability(client: redis.Redis, shards: keys.Shards, events: list[CatalogueEvent]) -> dict[str, int]:
    """ticketId -> tickets available now, for every ticket of `events`: one HMGET per shard, in one
    pipeline (on a cluster, redis-py batches it per node: plain commands only)."""
    by_shard: dict[int, list[str]] = {}
    for e in events:
        if e.tickets and e.shard < shards.count:
            by_shard.setdefault(e.shard, []).extend(t.id for t in e.tickets)
    if not by_shard:
        return {}
    pipe = client.pipeline(transaction=False)
    for shard, ids in by_shard.items():
        pipe.hmget(shards.stock(shard), ids)
    found: dict[str, int] = {}
    for ids, values in zip(by_shard.values(), pipe.execute(), strict=True):
        found.update({i: int(v) if v is not None else 0 for i, v in zip(ids, values, strict=True)})
    return found


def event_view(event: CatalogueEvent, available: dict[str, int], now: datetime) -> Event:
    return Event(
        id=event.id,
        name=event.name,
        venue=event.venue,
        startsAt=_iso(event.startsAt),
        saleOpensAt=_iso(event.saleOpensAt),
        saleState=event.saleState.value,
        onSale=event.on_sale(now),
        currency=event.currency,
        shard=event.shard,
        tickets=[ticket_view(event, t, available.get(t.id, 0)) for t in event.tickets],
    )


def ticket_view(event: CatalogueEvent, t: CatalogueTicket, available: int) -> Ticket:
    return Ticket(
        id=t.id,
        name=t.name,
        type=t.type,
        price=money(t.price),
        currency=event.currency,
        description=t.description,
        available=available,
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def day_start(value: date | datetime) -> datetime:
    """A `from` bound: a date is its first instant (UTC)."""
    return value if isinstance(value, datetime) else datetime.combine(value, time.min, UTC)


def day_end(value: date | datetime) -> datetime:
    """A `to` bound: a date includes its whole day (UTC): the instant before the next day."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1), time.min, UTC) - timedelta(microseconds=1)


def find_events(
    catalogue: Catalogue,
    now: datetime,
    q: str | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    on_sale: bool | None = None,
) -> list[CatalogueEvent]:
    """The events matching every filter given, by start time: `q` a case-insensitive substring of the
    name, the start within [starts_from, starts_to] (an event without a start matches no date filter),
    on sale now or not."""
    needle = q.casefold() if q else None
    found = []
    for e in catalogue.by_start():
        if needle is not None and needle not in e.name.casefold():
            continue
        if (starts_from or starts_to) and e.startsAt is None:
            continue
        if starts_from is not None and e.startsAt is not None and e.startsAt < starts_from:
            continue
        if starts_to is not None and e.startsAt is not None and e.startsAt > starts_to:
            continue
        if on_sale is not None and e.on_sale(now) != on_sale:
            continue
        found.append(e)
    return found


def known_event(catalogue: Catalogue, event_id: str) -> CatalogueEvent:
    event = catalogue.event(event_id) if len(event_id) <= 64 else None
    if event is None:
        raise UnknownEvent(f"event {_shown(event_id)} not found")
    return event


# The organisers' writes: each read fresh from Redis (never the cache), refused with nothing written


def _record(client: redis.Redis, event_id: str) -> tuple[CatalogueEvent, str]:
    found = cat.read_record(client, event_id) if len(event_id) <= 64 else None
    if found is None:
        raise UnknownEvent(f"event {_shown(event_id)} not found")
    return found


def _ticket(t: TicketTypeCreate) -> CatalogueTicket:
    return CatalogueTicket(id=t.id, name=t.name, type=t.type, price=t.price, stock=t.stock, description=t.description)


def _unique(tickets: list[TicketTypeCreate]) -> None:
    seen: set[str] = set()
    for i, t in enumerate(tickets):
        if t.id in seen:
            raise InvalidEvent(f"ticket id {t.id!r} is given twice", f"tickets[{i}].id")
        seen.add(t.id)


def _refused(e: WriteRefused, event_id: str) -> Exception:
    if e.outcome == CatalogueOutcome.EVENT_EXISTS:
        return EventExists(f"event {event_id!r} exists already", "id")
    if e.outcome == CatalogueOutcome.TICKET_EXISTS:
        return TicketExists(f"ticket id {e.detail!r} is taken (ticket ids are unique across events)", "tickets")
    if e.outcome == CatalogueOutcome.UNKNOWN_EVENT:
        return UnknownEvent(f"event {_shown(event_id)} not found")
    return e


def create_event(client: redis.Redis, scripts: CatalogueScripts, shards: keys.Shards, body: EventCreate) -> Event:
    """POST /events: refused with EventExists, TicketExists (409) or InvalidEvent (422), nothing written."""
    _unique(body.tickets)
    if body.saleOpensAt is not None and body.saleOpensAt > body.startsAt:
        raise InvalidEvent("saleOpensAt: the sale cannot open after the event starts", "saleOpensAt")
    state = body.saleState or (SaleState.SCHEDULED if body.saleOpensAt else SaleState.CLOSED)
    if state == SaleState.SCHEDULED and body.saleOpensAt is None:
        raise InvalidEvent("saleOpensAt: a scheduled sale needs its opening time", "saleOpensAt")
    event = CatalogueEvent(
        id=body.id,
        name=body.name,
        venue=body.venue,
        startsAt=body.startsAt,
        saleOpensAt=body.saleOpensAt,
        saleState=SaleState(state),
        currency=body.currency,
        tickets=[_ticket(t) for t in body.tickets],
    )
    try:
        created = cat.create_event(client, scripts.write, shards, event)
    except WriteRefused as e:
        raise _refused(e, body.id) from None
    return event_view(created, availability(client, shards, [created]), datetime.now(UTC))


def _rewrite(
    client: redis.Redis,
    scripts: CatalogueScripts,
    event_id: str,
    change,
    claims: list[str] | None = None,
) -> CatalogueEvent:
    """Read the record, apply `change` (record -> new record; it may raise a DomainError), write it if
    nobody wrote in between (else read again): the compare-and-set every update of a record is."""
    for _ in range(cat.WRITE_ATTEMPTS):
        record, text = _record(client, event_id)
        new = change(record)
        try:
            cat.write_record(client, scripts.write, new, expected=text, claims=claims or [], bump=not claims)
        except WriteRefused as e:
            if e.outcome == CatalogueOutcome.CHANGED:
                continue
            raise _refused(e, event_id) from None
        return new
    raise RuntimeError(f"event {event_id!r}: the catalogue kept changing; gave up")


def add_ticket_types(
    client: redis.Redis, scripts: CatalogueScripts, shards: keys.Shards, event_id: str, tickets: list[TicketTypeCreate]
) -> Event:
    """POST /events/{id}/tickets: new ticket types, visible once their stock exists. Refused with
    UnknownEvent (404), TicketExists (409) or InvalidEvent (422), nothing written."""
    _unique(tickets)
    new = [_ticket(t) for t in tickets]

    def change(record: CatalogueEvent) -> CatalogueEvent:
        if len(record.tickets) + len(record.pending) + len(new) > cat.MAX_TICKETS_PER_EVENT:
            raise InvalidEvent(f"an event has at most {cat.MAX_TICKETS_PER_EVENT} ticket types", "tickets")
        return record.model_copy(update={"pending": [*record.pending, *new]})

    _rewrite(client, scripts, event_id, change, claims=[t.id for t in new])
    cat.complete_pending(client, scripts.write, shards, event_id)
    record, _ = _record(client, event_id)
    return event_view(record, availability(client, shards, [record]), datetime.now(UTC))


def add_stock(
    client: redis.Redis, scripts: CatalogueScripts, shards: keys.Shards, event_id: str, ticket_id: str, body: StockAdd
) -> TicketSales:
    """POST /events/{id}/tickets/{ticketId}/stock: `add` more tickets (available and initial together,
    one step in the shard), then the record's figure. Stock is never lowered. UnknownEvent (404)."""
    record, _ = _record(client, event_id)
    ticket = next((t for t in record.tickets if t.id == ticket_id), None)
    if ticket is None:
        raise UnknownEvent(f"event {event_id!r} has no ticket {_shown(ticket_id)}")
    stock_keys = [shards.stock(record.shard), shards.stock_initial(record.shard)]
    outcome, _detail = scripts.add_stock(keys=stock_keys, args=[ticket_id, body.add], client=client)
    if CatalogueOutcome(outcome) == CatalogueOutcome.NO_STOCK:
        # A shard that lost its data: the record's figure first (as the StockKeeper would), then the addition.
        cat.initialise_tickets(client, shards, record.shard, [ticket])
        outcome, _detail = scripts.add_stock(keys=stock_keys, args=[ticket_id, body.add], client=client)
    CatalogueOutcome(outcome)  # 'added' (a word outside the contract fails loudly)

    def change(r: CatalogueEvent) -> CatalogueEvent:
        grown = [t.model_copy(update={"stock": t.stock + body.add}) if t.id == ticket_id else t for t in r.tickets]
        return r.model_copy(update={"tickets": grown})

    _rewrite(client, scripts, event_id, change)
    return next(t for t in event_sales(client, shards, record).tickets if t.ticketId == ticket_id)


def update_sale(
    client: redis.Redis, scripts: CatalogueScripts, shards: keys.Shards, event_id: str, body: SaleUpdate
) -> Event:
    """PUT /events/{id}/sale: open or close the sale, or schedule it (saleOpensAt alone). InvalidEvent
    (422) for nothing to change, a scheduled sale without a time, or an opening after the start."""
    given = body.model_fields_set
    if not given:
        raise InvalidEvent("give state, saleOpensAt or both", "state")
    if "state" in given and body.state is None:
        raise InvalidEvent("state: must be scheduled, open or closed", "state")

    def change(record: CatalogueEvent) -> CatalogueEvent:
        opens_at = body.saleOpensAt if "saleOpensAt" in given else record.saleOpensAt
        state = SaleState(body.state) if body.state else (SaleState.SCHEDULED if opens_at else record.saleState)
        if state == SaleState.SCHEDULED and opens_at is None:
            raise InvalidEvent("saleOpensAt: a scheduled sale needs its opening time", "saleOpensAt")
        if opens_at is not None and record.startsAt is not None and opens_at > record.startsAt:
            raise InvalidEvent("saleOpensAt: the sale cannot open after the event starts", "saleOpensAt")
        return record.model_copy(update={"saleState": state, "saleOpensAt": opens_at})

    record = _rewrite(client, scripts, event_id, change)
    return event_view(record, availability(client, shards, [record]), datetime.now(UTC))


def event_sales(client: redis.Redis, shards: keys.Shards, event: CatalogueEvent) -> EventSales:
    """GET /events/{id}/sales: per ticket type initial, available, held, sold, and their totals, read in
    one transaction on the event's shard (a lifecycle step moves tickets between the hashes atomically:
    read apart, they could show tickets that are nowhere)."""
    ids = [t.id for t in event.tickets]
    figures: list[list[str | None]] = [[None] * len(ids)] * 4
    if ids:
        pipe = client.pipeline(transaction=True)
        for key in (
            shards.stock_initial(event.shard),
            shards.stock(event.shard),
            shards.stock_held(event.shard),
            shards.stock_sold(event.shard),
        ):
            pipe.hmget(key, ids)
        figures = cast("list[list[str | None]]", pipe.execute())
    rows = [
        TicketSales(
            ticketId=t.id,
            name=t.name,
            type=t.type,
            initial=int(i or 0),
            available=int(a or 0),
            held=int(h or 0),
            sold=int(s or 0),
        )
        for t, i, a, h, s in zip(event.tickets, *figures, strict=True)
    ]
    return EventSales(
        eventId=event.id,
        name=event.name,
        saleState=event.saleState.value,
        onSale=event.on_sale(datetime.now(UTC)),
        currency=event.currency,
        tickets=rows,
        totals=SalesFigures(
            initial=sum(r.initial for r in rows),
            available=sum(r.available for r in rows),
            held=sum(r.held for r in rows),
            sold=sum(r.sold for r in rows),
        ),
    )


def organiser_event(client: redis.Redis, event_id: str) -> CatalogueEvent:
    """The event as Redis has it now (for the organiser's reads, never a cached copy)."""
    return _record(client, event_id)[0]
