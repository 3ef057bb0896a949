"""The catalogue of events: its model, the seed file, its records in Redis, and each process's cached copy.

At runtime Redis is the source of truth (keys.CATALOGUE_*): one JSON record per event, a map of ticket
id -> event id (ticket ids are unique across events, so `POST /orders {ticketId}` names its event and
so its shard), and a version integer every organiser write bumps. The seed file (CATALOGUE_PATH: a
list of events, or the older single-event shape) is written at start only where absent.

Writes make an event visible only once its stock exists (docs/events.md, "How a write works"):

1. claim: one script (catalogue_write.lua) refuses a taken event or ticket id and stores the record
   with the new tickets under `pending` (an event being created also has `published: false`): not
   visible yet, but its ids are taken, so a concurrent create of the same ids loses here;
2. stock: HSETNX of the pending tickets' stock in the event's shard (idempotent);
3. publish: the same script moves `pending` into `tickets` (and publishes the event), bumping the version.

A process that dies between the steps leaves a claimed record; `complete_pending` (run by every
gateway at start and by its StockKeeper) finishes it from the record, so anyone may finish it, any
number of times. Stock is never written from a record over stock that exists.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, cast

import redis
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_serializer,
    model_validator,
)
from redis.commands.core import Script

from ticketing_common import keys
from ticketing_common.status import CatalogueOutcome, SaleState

log = logging.getLogger(__name__)

DEFAULT_SALE_ID = "main"  # the event id of an old single-event catalogue without one
ID_PATTERN = r"^[A-Za-z0-9._-]+$"
SALE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_STOCK = 10_000_000  # per ticket type, per write: far beyond any venue, well inside Redis's integers
MAX_PRICE = Decimal("1000000")
MAX_TICKETS_PER_EVENT = 100
CATALOGUE_WRITE_LUA = files(__package__).joinpath("catalogue_write.lua").read_text()
# How many times a write computed from a record retries when another write changed it meanwhile.
WRITE_ATTEMPTS = 20

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message says why, in one line."""


class CatalogueTicket(BaseModel):
    """A ticket type of an event, as the seed file and the record in Redis hold it."""

    model_config = ConfigDict(extra="forbid")

    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    type: Annotated[str, Field(min_length=1, max_length=64)]
    price: Annotated[Decimal, Field(ge=0, le=MAX_PRICE, decimal_places=2)]
    # The initial stock: what the shard's stock:initial holds (organisers' additions included).
    stock: Annotated[int, Field(ge=0)]
    description: Annotated[str, Field(max_length=2000)] = ""

    @field_serializer("price")
    def _price_text(self, price: Decimal) -> str:
        return f"{price:.2f}"  # exact in the record: never a float


def check_event_id(event_id: object) -> str | None:
    """Why `event_id` cannot be an event id, or None."""
    if not isinstance(event_id, str) or not SALE_ID.fullmatch(event_id):
        return "must be 1 to 64 letters, digits, '.', '_' or '-'"
    if event_id == "secret":
        # Its waiting room would share a name with the admission tokens' secret.
        return "must not be 'secret'"
    return None


class CatalogueEvent(BaseModel):
    """An event: the record stored in Redis (keys.CATALOGUE_EVENTS) and an entry of the seed file."""

    model_config = ConfigDict(extra="forbid")

    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    venue: Annotated[str, Field(max_length=200)] = ""
    # None only for an old single-event file that never said (shown as not announced).
    startsAt: AwareDatetime | None = None
    saleOpensAt: AwareDatetime | None = None
    saleState: SaleState = SaleState.OPEN
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    shard: Annotated[int, Field(ge=0, lt=keys.MAX_SHARDS)] = 0
    tickets: Annotated[list[CatalogueTicket], Field(max_length=MAX_TICKETS_PER_EVENT)] = []
    # Internal (claim, stock, publish: the module docstring): tickets whose stock may not exist yet, and
    # whether the event itself is visible. Neither is ever shown by the API.
    pending: list[CatalogueTicket] = []
    published: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> CatalogueEvent:
        problem = check_event_id(self.id)
        if problem:
            raise ValueError(f"id: {problem}")
        ids = [t.id for t in (*self.tickets, *self.pending)]
        if len(ids) != len(set(ids)):
            raise ValueError("ticket ids must be unique")
        if self.saleState == SaleState.SCHEDULED and self.saleOpensAt is None:
            raise ValueError("saleOpensAt: a scheduled sale needs its opening time")
        if self.saleOpensAt and self.startsAt and self.saleOpensAt > self.startsAt:
            raise ValueError("saleOpensAt: the sale cannot open after the event starts")
        return self

    @field_serializer("startsAt", "saleOpensAt")
    def _iso(self, value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    def to_record(self) -> str:
        return self.model_dump_json()

    def on_sale(self, now: datetime) -> bool:
        """Whether POST /orders may sell it at `now`: open, or scheduled and past its opening time."""
        if self.saleState == SaleState.OPEN:
            return True
        return self.saleState == SaleState.SCHEDULED and self.saleOpensAt is not None and now >= self.saleOpensAt

    @property
    def types(self) -> list[str]:
        return list(dict.fromkeys(t.type for t in self.tickets))


def _legacy_event(data: dict) -> dict:
    """The older single-event shape ({event, currency, tickets}) as one event of the list shape."""
    event = data.get("event") or {}
    if not isinstance(event, dict):
        raise ValueError("event: must be an object")
    unknown = set(event) - {"id", "name", "venue", "startsAt", "saleOpensAt", "saleState"}
    if unknown:
        raise ValueError(f"event.{sorted(unknown)[0]}: unknown field")
    event_id = event.get("id", DEFAULT_SALE_ID)
    problem = check_event_id(event_id)
    if problem:
        raise ValueError(f"event.id: {problem}")
    rest = {k: v for k, v in data.items() if k != "event"}
    return {"name": event.get("name", event_id), **event, "id": event_id, **rest}


class Catalogue(BaseModel):
    """A snapshot of the catalogue: its published events, looked up by event id and by ticket id.

    Built from the seed file (load_catalogue) or from Redis (read_catalogue; a process holds the
    latest in a CatalogueCache). Accepts a list of events, {"events": [...]}, or the older
    single-event shape. The properties below the lookups keep single-event code working: the
    default event's sale id, name and currency; `tickets` is every event's tickets.
    """

    events: list[CatalogueEvent]
    default_event_id: str | None = None
    version: int = 0
    _by_event: dict[str, CatalogueEvent] = PrivateAttr(default_factory=dict)
    _by_ticket: dict[str, tuple[CatalogueEvent, CatalogueTicket]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shapes(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"events": data}
        if isinstance(data, dict) and "tickets" in data and "events" not in data:
            return {"events": [_legacy_event(data)]}
        return data

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        if not self.events:
            raise ValueError("events: at least one event")
        event_ids = [e.id for e in self.events]
        if len(event_ids) != len(set(event_ids)):
            raise ValueError("event ids must be unique")
        seen: set[str] = set()
        for e in self.events:
            for t in e.tickets:
                if t.id in seen:
                    raise ValueError(f"ticket ids must be unique across events: {t.id!r} is in two")
                seen.add(t.id)
        if self.default_event_id is not None and self.default_event_id not in event_ids:
            raise ValueError(f"the default event {self.default_event_id!r} is not in the catalogue")
        return self

    def model_post_init(self, context: object) -> None:
        self._by_event = {e.id: e for e in self.events}
        self._by_ticket = {t.id: (e, t) for e in self.events for t in e.tickets}

    # Lookups
    def event(self, event_id: str) -> CatalogueEvent | None:
        return self._by_event.get(event_id)

    def event_of(self, ticket_id: str) -> CatalogueEvent | None:
        """The event a ticket id belongs to (ticket ids are unique across events)."""
        found = self._by_ticket.get(ticket_id)
        return found[0] if found else None

    def ticket(self, ticket_id: str) -> CatalogueTicket | None:
        found = self._by_ticket.get(ticket_id)
        return found[1] if found else None

    @property
    def default_event(self) -> CatalogueEvent:
        """DEFAULT_EVENT_ID's event; without one, the first event (the seed file's first)."""
        return self._by_event.get(self.default_event_id or "") or self.events[0]

    def by_start(self) -> list[CatalogueEvent]:
        """The events by start time (not announced last), then id."""
        return sorted(self.events, key=lambda e: (e.startsAt is None, e.startsAt or datetime.min, e.id))

    # The default event, as single-event code knew the catalogue
    @property
    def sale_id(self) -> str:
        return self.default_event.id

    @property
    def sale_name(self) -> str:
        return self.default_event.name

    @property
    def currency(self) -> str:
        return self.default_event.currency

    @property
    def types(self) -> list[str]:
        """The default event's ticket types, each once, in catalogue order."""
        return self.default_event.types

    @property
    def tickets(self) -> list[CatalogueTicket]:
        """Every event's tickets: the default event's first, then the others by start."""
        first = self.default_event
        return [*first.tickets, *(t for e in self.by_start() if e is not first for t in e.tickets)]

    def tickets_by_shard(self) -> dict[int, list[CatalogueTicket]]:
        """Each shard's tickets (every event's, in its event's shard)."""
        found: dict[int, list[CatalogueTicket]] = {}
        for e in self.events:
            found.setdefault(e.shard, []).extend(e.tickets)
        return found


def _one_line(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def load_catalogue(path: Path, shard_count: int = 1, default_event_id: str | None = None) -> Catalogue:
    """The seed file, validated: each event placed in its shard of `shard_count`. Raises CatalogueError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise CatalogueError(f"cannot read catalogue {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise CatalogueError(f"catalogue {path} is not JSON: {e}") from None
    try:
        catalogue = Catalogue.model_validate(data)
        events = [e.model_copy(update={"shard": keys.shard_of_event(e.id, shard_count)}) for e in catalogue.events]
        return Catalogue(events=events, default_event_id=default_event_id)
    except ValidationError as e:
        raise CatalogueError(f"catalogue {path}: {_one_line(e)}") from None
    except ValueError as e:  # the legacy shape's own checks
        raise CatalogueError(f"catalogue {path}: {e}") from None


# Redis: reading, and the write steps (claim, stock, publish)

_RECORD = TypeAdapter(CatalogueEvent)


def read_records(client: redis.Redis) -> dict[str, CatalogueEvent]:
    """Every event record in Redis, published or not. A record that does not parse is logged and skipped
    (one bad record must not take every event's sale down)."""
    raw = cast("dict[str, str]", client.hgetall(keys.CATALOGUE_EVENTS))
    found = {}
    for event_id, text in raw.items():
        try:
            found[event_id] = _RECORD.validate_json(text)
        except ValidationError as e:
            log.error("catalogue record %r does not parse, skipped: %s", event_id, _one_line(e))
    return found


def read_catalogue(client: redis.Redis, default_event_id: str | None) -> Catalogue | None:
    """The published events as a Catalogue (None while Redis has none), with the version read first: a
    write after the version read makes the next check reload, never the other way round."""
    version = int(cast("str | None", client.get(keys.CATALOGUE_VERSION)) or 0)
    visible = [e for e in read_records(client).values() if e.published]
    if not visible:
        return None
    if default_event_id is not None and not any(e.id == default_event_id for e in visible):
        log.error("DEFAULT_EVENT_ID %r is not in the catalogue; the first event is the default", default_event_id)
        default_event_id = None
    first_default = default_event_id or min(visible, key=lambda e: (e.startsAt is None, e.startsAt or datetime.min)).id
    return Catalogue(events=visible, default_event_id=first_default, version=version)


def initialise_tickets(client: redis.Redis, shards: keys.Shards, shard: int, tickets: Iterable[CatalogueTicket]) -> int:
    """HSETNX each ticket's stock and initial stock in `shard`, in one transaction (so the two agree):
    idempotent, never over stock that exists. Returns how many tickets got stock now."""
    tickets = list(tickets)
    if not tickets:
        return 0
    pipe = client.pipeline(transaction=True)  # one shard's keys: one slot, a transaction on a cluster too
    for t in tickets:
        pipe.hsetnx(shards.stock(shard), t.id, t.stock)
        pipe.hsetnx(shards.stock_initial(shard), t.id, t.stock)
    return sum(pipe.execute()[0::2])


class WriteRefused(Exception):
    """The catalogue script refused a write: `outcome` (CatalogueOutcome) and its detail."""

    def __init__(self, outcome: CatalogueOutcome, detail: str) -> None:
        super().__init__(f"{outcome}: {detail}")
        self.outcome, self.detail = outcome, detail


def write_record(
    client: redis.Redis,
    script: Script,
    record: CatalogueEvent,
    expected: str | None,
    claims: Iterable[str] = (),
    bump: bool = True,
) -> tuple[str, int]:
    """One catalogue_write.lua call: (the record written, the version). Raises WriteRefused."""
    text = record.to_record()
    outcome, detail = script(
        keys=[keys.CATALOGUE_EVENTS, keys.CATALOGUE_TICKETS, keys.CATALOGUE_VERSION],
        args=[record.id, expected or "", text, 1 if bump else 0, *claims],
        client=client,
    )
    outcome = CatalogueOutcome(outcome)  # a word outside the contract fails here, loudly
    if outcome != CatalogueOutcome.WRITTEN:
        raise WriteRefused(outcome, str(detail))
    return text, int(detail)


def complete_pending(client: redis.Redis, script: Script, shards: keys.Shards, event_id: str) -> bool:
    """Finish a claimed write of `event_id` (the module docstring's steps 2 and 3): the pending tickets'
    stock, then the record published. Idempotent: anyone may run it, any number of times, concurrently.
    Returns whether this call published something."""
    for _ in range(WRITE_ATTEMPTS):
        text = cast("str | None", client.hget(keys.CATALOGUE_EVENTS, event_id))
        if text is None:
            return False
        record = _RECORD.validate_json(text)
        if not record.pending and record.published:
            return False
        initialise_tickets(client, shards, record.shard, record.pending)
        done = record.model_copy(
            update={"tickets": [*record.tickets, *record.pending], "pending": [], "published": True}
        )
        try:
            write_record(client, script, done, expected=text)
        except WriteRefused as e:
            if e.outcome == CatalogueOutcome.CHANGED:
                continue  # another write (or another completer) came first: look again
            raise
        return True
    raise RuntimeError(f"event {event_id!r}: the catalogue kept changing; gave up completing its write")


def create_event(client: redis.Redis, script: Script, shards: keys.Shards, event: CatalogueEvent) -> CatalogueEvent:
    """Create an event: claim its id and ticket ids (refused: WriteRefused EVENT_EXISTS or TICKET_EXISTS,
    nothing written), write its stock, publish it. Returns the event as published."""
    claimed = event.model_copy(
        update={"shard": shards.of_event(event.id), "tickets": [], "pending": event.tickets, "published": False}
    )
    write_record(client, script, claimed, expected=None, claims=[t.id for t in event.tickets], bump=False)
    complete_pending(client, script, shards, event.id)
    return event.model_copy(update={"shard": claimed.shard})


def read_record(client: redis.Redis, event_id: str) -> tuple[CatalogueEvent, str] | None:
    """A published event's record and its text (the expected value of a write computed from it)."""
    text = cast("str | None", client.hget(keys.CATALOGUE_EVENTS, event_id))
    if text is None:
        return None
    record = _RECORD.validate_json(text)
    return (record, text) if record.published else None


def seed_catalogue(client: redis.Redis, shards: keys.Shards, seed: Catalogue) -> tuple[int, int]:
    """Write the seed's events that Redis does not have (never touching one it has), in the module
    docstring's three steps: claim (the absent events' records, pending, and their ticket ids, in one
    optimistic transaction: WATCH the {catalogue} keys, so an organiser's write in between makes it look
    again), stock, publish (each record still as claimed: a compare-and-set, WATCH again). No script,
    so that it also runs on fakeredis in unit tests; the effect is the organisers' script's.

    An event whose ticket id belongs to another event already is skipped with a warning. Returns how
    many events were claimed now, and how many tickets got their stock now.
    """
    events = [e.model_copy(update={"shard": shards.of_event(e.id)}) for e in seed.events]
    claimed = _claim_seed(client, events)
    stocked = sum(initialise_tickets(client, shards, e.shard, e.tickets) for e, _ in claimed)
    for e, text in claimed:
        _publish_claimed(client, e, text)
    return len(claimed), stocked


def _claim_seed(client: redis.Redis, events: list[CatalogueEvent]) -> list[tuple[CatalogueEvent, str]]:
    """Step 1 for the seed: the absent events' claimed records and ticket ids, all or nothing."""
    for _ in range(WRITE_ATTEMPTS):
        with client.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(keys.CATALOGUE_EVENTS, keys.CATALOGUE_TICKETS)
                present = pipe.hmget(keys.CATALOGUE_EVENTS, [e.id for e in events])
                absent = [e for e, p in zip(events, present, strict=True) if p is None]
                wanted = [t.id for e in absent for t in e.tickets]
                owners = pipe.hmget(keys.CATALOGUE_TICKETS, wanted) if wanted else []
                taken = {tid for tid, owner in zip(wanted, owners, strict=True) if owner}
                claims = []
                for e in absent:
                    clash = [t.id for t in e.tickets if t.id in taken]
                    if clash:
                        log.warning("seed event %r skipped: ticket %r belongs to another event", e.id, clash[0])
                        continue
                    pending = e.model_copy(update={"tickets": [], "pending": e.tickets, "published": False})
                    claims.append((e, pending.to_record()))
                if not claims:
                    return []
                pipe.multi()
                for e, text in claims:
                    pipe.hset(keys.CATALOGUE_EVENTS, e.id, text)
                    for t in e.tickets:
                        pipe.hset(keys.CATALOGUE_TICKETS, t.id, e.id)
                pipe.execute()
                return claims
            except redis.WatchError:
                continue
    raise RuntimeError("the catalogue kept changing while the seed was written; start again")


def _publish_claimed(client: redis.Redis, event: CatalogueEvent, claimed: str) -> None:
    """Step 3 for the seed: publish the record if it is still as claimed (else someone finished it)."""
    for _ in range(WRITE_ATTEMPTS):
        with client.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(keys.CATALOGUE_EVENTS)
                if pipe.hget(keys.CATALOGUE_EVENTS, event.id) != claimed:
                    return
                pipe.multi()
                pipe.hset(keys.CATALOGUE_EVENTS, event.id, event.to_record())
                pipe.incr(keys.CATALOGUE_VERSION)
                pipe.execute()
                return
            except redis.WatchError:
                continue
    raise RuntimeError(f"seed event {event.id!r}: the catalogue kept changing; start again")


def initialise_all_stock(client: redis.Redis, script: Script | None, shards: keys.Shards) -> int:
    """Every record's stock, HSETNX (the restart's heal: idempotent, never over existing stock), and
    every claimed write finished (with `script`; None: only the stock). Returns tickets initialised now."""
    records = read_records(client)
    initialised = 0
    by_shard: dict[int, list[CatalogueTicket]] = {}
    for r in records.values():
        by_shard.setdefault(r.shard, []).extend(r.tickets)
    for shard, tickets in by_shard.items():
        if shard < shards.count:
            initialised += initialise_tickets(client, shards, shard, tickets)
        else:
            log.error(
                "catalogue records name shard %d of a deployment of %d shards (REDIS_SHARDS changed?)",
                shard,
                shards.count,
            )
    if script is not None:
        for r in records.values():
            if r.pending or not r.published:
                initialised += len(r.pending)
                complete_pending(client, script, shards, r.id)
    return initialised


class CatalogueCache:
    """The catalogue as this process last read it from Redis: reloaded when the version key changes,
    which is checked at most once every `ttl` seconds (one GET; intake reads the cached copy).

    The process that writes forgets its copy at once (invalidate); the others see it within `ttl`.
    Until Redis has a catalogue (never, once seeded), `fallback` (the seed) is served.
    """

    def __init__(self, client: redis.Redis, fallback: Catalogue, default_event_id: str | None, ttl: float = 1.0):
        self.client, self.ttl, self.default_event_id = client, ttl, default_event_id
        self._catalogue = fallback
        self._version: int | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def get(self) -> Catalogue:
        if time.monotonic() - self._checked_at < self.ttl:
            return self._catalogue
        with self._lock:  # one check per expiry, not one per waiting thread
            if time.monotonic() - self._checked_at >= self.ttl:
                self._refresh()
            return self._catalogue

    def _refresh(self) -> None:
        try:
            version = int(cast("str | None", self.client.get(keys.CATALOGUE_VERSION)) or 0)
            if version != self._version:
                loaded = read_catalogue(self.client, self.default_event_id)
                if loaded is not None:
                    self._catalogue = loaded
                self._version = loaded.version if loaded is not None else version
        except redis.RedisError as e:
            # Serve the copy held: a Redis hiccup must not turn browsing into errors (intake fails on its own).
            log.warning("catalogue check failed, serving the cached copy: %s", e)
        self._checked_at = time.monotonic()

    def invalidate(self) -> None:
        self._checked_at = float("-inf")
        self._version = None
