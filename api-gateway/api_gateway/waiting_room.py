"""The waiting room of a sale: join, status, leave, admission, the operator's settings and figures.

Everything lives in Redis (keys.Shards.room*, in the shard of the sale's event), so a gateway restart
loses nothing and every gateway process sees the same line. The place in line is an arrival sequence number (join.lua); admission is one Lua
step that any process may run at any time (admit.lua: a token bucket on the Redis clock). Each gateway
process runs it for an open room from a small thread (RoomAdmitter); intake reads the room's state
from a per-process cache (RoomCache), so that with the room off POST /orders costs no extra round trip.
docs/waiting-room.md tells the whole story.

Plain functions that take their Redis client and scripts; the routes (routes/sales.py) are the edge.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.resources import files
from typing import cast

import redis
from redis.commands.core import Script

from ticketing_common import keys, redis_client, room_view
from ticketing_common.status import RoomMode, RoomState, SaleState, VisitorState

from . import admission_token
from .catalogue import Catalogue, CatalogueEvent
from .domain_errors import (
    AdmissionForOtherSale,
    AdmissionRefused,
    AdmissionRequired,
    RoomNotTakingJoins,
    SaleNotOpen,
    VisitorNotFound,
)
from .models import RoomStats, RoomUpdate, VisitorStatus, WaitSeconds
from .orders import Admission
from .periodic import PeriodicStep

log = logging.getLogger(__name__)

JOIN_LUA = files(__package__).joinpath("join.lua").read_text()
ADMIT_LUA = files(__package__).joinpath("admit.lua").read_text()

# The window of GET .../room's measured admission rate.
RATE_WINDOW_MS = 10_000
# A visitor's poll interval and expected wait: ticketing_common.room_view, shared with live-updates.
POLL_MIN_MS, POLL_MAX_MS = room_view.POLL_MIN_MS, room_view.POLL_MAX_MS


@dataclass(frozen=True)
class AdmissionRule:
    """admit.lua's constants (its header says how each is used; docs/waiting-room.md why these)."""

    burst_seconds: float = 1.0  # the bucket holds one second of the rate: no burst beyond that
    max_per_run: int = 1_000  # one run's work stays small (~1 ms of Redis time)
    target_backlog_seconds: float = 2.0  # adaptive: keep about 2 s of decisions waiting for the workers
    min_rate: float = 1.0  # adaptive: the line always moves (and the workers' rate can be measured)
    max_rate: float = 5_000.0  # adaptive: a bound, whatever the figures say
    min_target_backlog: int = 20  # adaptive: a small pipeline still gets a little slack
    waits_kept: int = 1_000  # wait times kept for p50/p99
    sample_interval_ms: int = 1_000  # adaptive: the decision rate is measured over at least this long
    sample_weight: float = 0.5  # adaptive: the newest sample's weight in the moving average
    growth: float = 0.5  # adaptive: with the pipeline empty, +50 % a sample even before decisions catch up

    def argv(self) -> list[str | int | float]:
        return [
            keys.CONSUMER_GROUP,
            self.burst_seconds,
            self.max_per_run,
            self.target_backlog_seconds,
            self.min_rate,
            self.max_rate,
            self.min_target_backlog,
            self.waits_kept,
            self.sample_interval_ms,
            self.sample_weight,
            self.growth,
        ]


@dataclass(frozen=True)
class RoomDefaults:
    """The room's first settings (from GatewaySettings), written only where Redis has none."""

    state: str = RoomState.OFF
    mode: str = RoomMode.FIXED
    rate: float = 50.0
    opens_at_ms: int | None = None
    token_ttl_seconds: int = 600
    token_uses: int = 2


@dataclass(frozen=True)
class Room:
    """A snapshot of the room hash's settings."""

    sale_id: str
    state: str
    mode: str
    rate: float
    opens_at_ms: int | None
    token_ttl_seconds: int
    token_uses: int
    admitted_total: int = 0

    def opened(self, now_ms: int) -> bool:
        return self.opens_at_ms is None or now_ms >= self.opens_at_ms

    def admitting_rate(self, now_ms: int) -> float:
        """The rate visitors are let in now: 0 unless open and past its opening time."""
        return room_view.admitting_rate(self.state, self.rate, self.opens_at_ms, now_ms)

    def not_before(self, opens_at_ms: int | None) -> Room:
        """The room as its visitors see it when its event's sale opens at `opens_at_ms` (None: on sale
        or closed): it admits from the later of its own opening time and the sale's."""
        if opens_at_ms is None or (self.opens_at_ms is not None and self.opens_at_ms >= opens_at_ms):
            return self
        return replace(self, opens_at_ms=opens_at_ms)


def sale_opening_ms(event: CatalogueEvent | None) -> int | None:
    """When the event's scheduled sale opens (ms); None for a sale that is open or closed (issue 17's
    saleOpensAt: a room admits nobody before it, docs/waiting-room.md "Every event's room")."""
    if event is None or event.saleState != SaleState.SCHEDULED or event.saleOpensAt is None:
        return None
    return int(event.saleOpensAt.timestamp() * 1000)


ONE_SHARD = keys.ONE_SHARD


@dataclass(frozen=True)
class RoomKeys:
    """A sale's room keys, in the shard of its event (so that enqueue_order.lua finds the room and its
    uses beside the order, and admit.lua the shard's order stream it measures)."""

    room: str
    waiting: str
    admitted: str
    visitors: str
    uses: str
    waits: str
    order_stream: str


def room_keys(sale_id: str, shards: keys.Shards = ONE_SHARD) -> RoomKeys:
    # TODO(events): the event's stored shard once the catalogue has one (the same figure: shard_of_event).
    k = shards.of_event(sale_id)
    return RoomKeys(
        room=shards.room(k, sale_id),
        waiting=shards.room_waiting(k, sale_id),
        admitted=shards.room_admitted(k, sale_id),
        visitors=shards.room_visitors(k, sale_id),
        uses=shards.room_uses(k, sale_id),
        waits=shards.room_waits(k, sale_id),
        order_stream=shards.order_stream(k),
    )


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def redis_now_ms(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return seconds * 1000 + micros // 1000


def ensure_room(client: redis.Redis, sale_id: str, defaults: RoomDefaults, shards: keys.Shards = ONE_SHARD) -> int:
    """Give the room its first settings where it has none (HSETNX: a restart or another gateway never
    overrides what the operator set). Returns how many fields were written now."""
    fields = {
        "state": defaults.state,
        "mode": defaults.mode,
        "rate": repr(float(defaults.rate)),
        "opensAt": "" if defaults.opens_at_ms is None else str(defaults.opens_at_ms),
        "tokenTtlSeconds": str(defaults.token_ttl_seconds),
        "tokenUses": str(defaults.token_uses),
    }
    pipe = client.pipeline(transaction=True)
    for name, value in fields.items():
        pipe.hsetnx(room_keys(sale_id, shards).room, name, value)
    return sum(pipe.execute())


ROOM_STATES = frozenset(s.value for s in RoomState)
ROOM_MODES = frozenset(m.value for m in RoomMode)
_ROOM_FIELDS = ("state", "mode", "rate", "opensAt", "tokenTtlSeconds", "tokenUses", "admittedTotal")


def _room_from(sale_id: str, values: list[str | None]) -> Room:
    state, mode, rate, opens_at, ttl, uses, total = values
    return Room(
        sale_id=sale_id,
        state=RoomState(state) if state in ROOM_STATES else RoomState.OFF,
        mode=RoomMode(mode) if mode in ROOM_MODES else RoomMode.FIXED,
        rate=float(rate or 0),
        opens_at_ms=int(opens_at) if opens_at else None,
        token_ttl_seconds=int(ttl or RoomDefaults.token_ttl_seconds),
        token_uses=int(uses or RoomDefaults.token_uses),
        admitted_total=int(total or 0),
    )


def read_room(client: redis.Redis, sale_id: str, shards: keys.Shards = ONE_SHARD) -> Room:
    values = cast("list[str | None]", client.hmget(room_keys(sale_id, shards).room, list(_ROOM_FIELDS)))
    return _room_from(sale_id, values)


class RoomCache:
    """The room's settings as this process last read them, for at most `ttl` seconds.

    Intake consults it on every POST /orders: with the room off that must cost nothing, so a change
    (the operator switching the room on) takes effect in every process within `ttl` seconds. The
    process that makes the change forgets its copy at once (invalidate).
    """

    def __init__(self, client: redis.Redis, sale_id: str, ttl: float = 1.0, shards: keys.Shards = ONE_SHARD) -> None:
        self.client, self.sale_id, self.ttl, self.shards = client, sale_id, ttl, shards
        self._room: Room | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def fresh(self) -> bool:
        return self._room is not None and time.monotonic() - self._read_at < self.ttl

    def get(self) -> Room:
        room, read_at = self._room, self._read_at
        if room is not None and time.monotonic() - read_at < self.ttl:
            return room
        with self._lock:  # one read per expiry, not one per waiting thread
            if self._room is not None and time.monotonic() - self._read_at < self.ttl:
                return self._room
            self.put(read_room(self.client, self.sale_id, self.shards))
            assert self._room is not None
            return self._room

    def put(self, room: Room) -> None:
        """Keep `room` as read now (RoomCaches.get_many reads many rooms in one round trip)."""
        self._room, self._read_at = room, time.monotonic()

    def invalidate(self) -> None:
        self._room = None


class RoomCaches:
    """Every event's RoomCache in this process, keyed by event id: one made on first use (and the room's
    hash given its first settings then, ensure_room, so an event an organiser created later has a room
    that works), so the dict holds at most one per catalogue event (callers look the id up in the
    catalogue first: an unknown id never gets one).

    `defaults(sale_id)` is the first settings of that event's room (app.py: the ROOM_* settings for
    the default event, the same but `off` for every other).
    """

    def __init__(
        self,
        client: redis.Redis,
        defaults: Callable[[str], RoomDefaults],
        ttl: float = 1.0,
        shards: keys.Shards = ONE_SHARD,
    ) -> None:
        self.client, self.defaults, self.ttl, self.shards = client, defaults, ttl, shards
        self._caches: dict[str, RoomCache] = {}
        self._lock = threading.Lock()

    def __call__(self, sale_id: str) -> RoomCache:
        cache = self._caches.get(sale_id)
        if cache is not None:
            return cache
        with self._lock:
            cache = self._caches.get(sale_id)
            if cache is None:
                # Once per event and process: HSETNX only, so it never overrides the operator's settings.
                ensure_room(self.client, sale_id, self.defaults(sale_id), self.shards)
                cache = self._caches[sale_id] = RoomCache(self.client, sale_id, self.ttl, self.shards)
            return cache

    def get(self, sale_id: str) -> Room:
        return self(sale_id).get()

    def get_many(self, sale_ids: Iterable[str], *, fresh: bool = False) -> list[Room]:
        """The rooms of `sale_ids`, those whose copy is older than `ttl` (all of them when `fresh`) read
        in one pipeline (the admitter's tick over every event: with every room off, at most one round
        trip a second)."""
        caches = [self(sale_id) for sale_id in sale_ids]
        stale = caches if fresh else [c for c in caches if not c.fresh()]
        if stale:
            pipe = self.client.pipeline(transaction=False)  # plain HMGETs: a cluster pipeline splits them by node
            for c in stale:
                pipe.hmget(room_keys(c.sale_id, self.shards).room, list(_ROOM_FIELDS))
            for c, values in zip(stale, pipe.execute(), strict=True):
                c.put(_room_from(c.sale_id, values))
        return [c.get() for c in caches]

    def invalidate(self, sale_id: str) -> None:
        cache = self._caches.get(sale_id)
        if cache is not None:
            cache.invalidate()

    def __len__(self) -> int:
        return len(self._caches)


def join(
    client: redis.Redis,
    join_script: Script,
    sale_id: str,
    visitor_id: str | None,
    shards: keys.Shards = ONE_SHARD,
) -> tuple[str, bool]:
    """Join the line, or keep the place one has: (visitorId, joined now?). A visitor whose admission
    is spent (expired or used up) joins at the end under a new id.

    Raises RoomNotTakingJoins when the room is off or closed (and the visitor is not in it already).
    """
    outcome, visitor = join_script(
        keys=[
            room_keys(sale_id, shards).room,
            room_keys(sale_id, shards).waiting,
            room_keys(sale_id, shards).admitted,
            room_keys(sale_id, shards).visitors,
            room_keys(sale_id, shards).uses,
        ],
        args=[visitor_id or "", str(uuid.uuid4())],
        client=client,
    )
    if outcome == RoomState.OFF:
        raise RoomNotTakingJoins("the waiting room is off: buy directly")
    if outcome == RoomState.CLOSED:
        raise RoomNotTakingJoins("the waiting room is closed: nobody joins any more")
    return visitor, VisitorState(outcome) == VisitorState.JOINED


def leave(client: redis.Redis, sale_id: str, visitor_id: str, shards: keys.Shards = ONE_SHARD) -> None:
    """Leave the line (or give up one's admission): everyone behind moves up. Raises VisitorNotFound."""
    pipe = client.pipeline(transaction=True)
    pipe.zrem(room_keys(sale_id, shards).waiting, visitor_id)
    pipe.zrem(room_keys(sale_id, shards).admitted, visitor_id)
    pipe.hdel(room_keys(sale_id, shards).visitors, visitor_id)
    waiting, admitted, _ = pipe.execute()
    if not waiting and not admitted:
        raise VisitorNotFound(f"visitor {visitor_id[:64]!r} is not in the waiting room of {sale_id!r}")


@dataclass(frozen=True)
class TokenSettings:
    secret: bytes
    rotation_seconds: int


def visitor_status(
    client: redis.Redis,
    sale_id: str,
    visitor_id: str,
    tokens: TokenSettings,
    shards: keys.Shards = ONE_SHARD,
    sale_opens_at_ms: int | None = None,
) -> VisitorStatus:
    """Where the visitor is: place in line, or admitted with a freshly signed token. Raises VisitorNotFound.
    `sale_opens_at_ms`: the event's scheduled opening (sale_opening_ms), before which nobody is let in."""
    pipe = client.pipeline(transaction=True)  # one consistent snapshot
    pipe.hmget(room_keys(sale_id, shards).room, list(_ROOM_FIELDS))
    pipe.zrank(room_keys(sale_id, shards).waiting, visitor_id)
    pipe.zscore(room_keys(sale_id, shards).admitted, visitor_id)
    pipe.zcard(room_keys(sale_id, shards).waiting)
    pipe.hget(room_keys(sale_id, shards).uses, visitor_id)
    # A cluster pipeline refuses TIME (it has no key to route by): then it is a call of its own.
    clustered = redis_client.is_cluster(client)
    if not clustered:
        pipe.time()
    values, rank, admitted_at, queue_length, used, *clock = pipe.execute()
    room = _room_from(sale_id, values).not_before(sale_opens_at_ms)
    if clustered:
        now = redis_now_ms(client)
    else:
        seconds, micros = clock[0]
        now = seconds * 1000 + micros // 1000
    rate = room.admitting_rate(now)
    common = {
        "visitorId": visitor_id,
        "saleId": sale_id,
        "queueLength": queue_length,
        "admissionRatePerSecond": round(rate, 3),
        "opensAt": iso(room.opens_at_ms),
        "roomState": room.state,
    }
    if admitted_at is not None:
        expires = int(admitted_at) + room.token_ttl_seconds * 1000
        token = admission_token.sign(
            tokens.secret,
            visitor_id=visitor_id,
            sale_id=sale_id,
            expires_ms=expires,
            uses=room.token_uses,
            now_ms=now,
            rotation_seconds=tokens.rotation_seconds,
        )
        return VisitorStatus(
            **common,
            status="admitted",
            position=None,
            ahead=None,
            estimatedWaitSeconds=0.0,
            pollAfterMs=POLL_MAX_MS,
            admissionToken=token,
            tokenExpiresAt=iso(expires),
            usesLeft=max(room.token_uses - int(used or 0), 0),
        )
    if rank is None:
        raise VisitorNotFound(f"visitor {visitor_id[:64]!r} is not in the waiting room of {sale_id!r}")
    return VisitorStatus(
        **common,
        status="waiting",
        position=rank + 1,
        ahead=rank,
        estimatedWaitSeconds=room_view.estimated_wait_seconds(rank, rate),
        pollAfterMs=room_view.poll_after_ms(rank, rate),
        admissionToken=None,
        tokenExpiresAt=None,
        usesLeft=None,
    )


def admit(
    client: redis.Redis, admit_script: Script, sale_id: str, rule: AdmissionRule, shards: keys.Shards = ONE_SHARD
) -> tuple[int, float]:
    """Run one admission step: (visitors admitted now, the rate). Safe to run anywhere, any time."""
    admitted, rate, _state = admit_script(
        keys=[
            room_keys(sale_id, shards).room,
            room_keys(sale_id, shards).waiting,
            room_keys(sale_id, shards).admitted,
            room_keys(sale_id, shards).visitors,
            room_keys(sale_id, shards).waits,
            room_keys(sale_id, shards).order_stream,
        ],
        args=rule.argv(),
        client=client,
    )
    return int(admitted), float(rate)


def check_admission(room: Room, token: str | None, tokens: TokenSettings, now: int | None = None) -> Admission | None:
    """Intake's gate: None when no token is needed (the room off); the verified admission otherwise.

    Raises SaleNotOpen before the opening time (room on or off), AdmissionRequired without a token,
    AdmissionRefused for a bad one (the message says which way), AdmissionForOtherSale. No Redis:
    the signature suffices; the use is counted with the order (enqueue_order.lua).
    """
    now = now_ms() if now is None else now
    if not room.opened(now):
        opens = iso(room.opens_at_ms) or ""
        raise SaleNotOpen(f"the sale opens at {opens}", opens)
    if room.state == RoomState.OFF:
        return None
    if not token:
        raise AdmissionRequired("Admission-Token: required while the waiting room is on; join the queue")
    try:
        claims = admission_token.verify(
            tokens.secret, token, sale_id=room.sale_id, now_ms=now, rotation_seconds=tokens.rotation_seconds
        )
    except admission_token.WrongSale as e:
        raise AdmissionForOtherSale(e.message) from None
    except admission_token.TokenError as e:
        raise AdmissionRefused(e.message) from None
    return Admission(sale_id=room.sale_id, visitor_id=claims.visitor_id, uses=claims.uses)


def _percentile(sorted_values: list[int], q: float) -> float:
    # Nearest rank: a figure that was observed, not interpolated.
    index = max(math.ceil(q * len(sorted_values)) - 1, 0)
    return sorted_values[index] / 1000


def room_stats(client: redis.Redis, sale_id: str, shards: keys.Shards = ONE_SHARD) -> RoomStats:
    """The operator's view: settings, queue length, admissions (total and over the last 10 s), waits."""
    now = redis_now_ms(client)
    pipe = client.pipeline(transaction=True)
    pipe.hmget(room_keys(sale_id, shards).room, list(_ROOM_FIELDS))
    pipe.zcard(room_keys(sale_id, shards).waiting)
    pipe.zcount(room_keys(sale_id, shards).admitted, now - RATE_WINDOW_MS, "+inf")
    pipe.lrange(room_keys(sale_id, shards).waits, 0, -1)
    values, queue_length, recent, waits = pipe.execute()
    room = _room_from(sale_id, values)
    ordered = sorted(int(w) for w in waits)
    return RoomStats(
        saleId=sale_id,
        state=room.state,
        mode=room.mode,
        rate=round(room.rate, 3),
        queueLength=queue_length,
        admittedTotal=room.admitted_total,
        admissionRatePerSecond=round(recent / (RATE_WINDOW_MS / 1000), 3),
        waitSeconds=WaitSeconds(
            p50=_percentile(ordered, 0.5) if ordered else None,
            p99=_percentile(ordered, 0.99) if ordered else None,
            count=len(ordered),
        ),
        opensAt=iso(room.opens_at_ms),
        tokenTtlSeconds=room.token_ttl_seconds,
        tokenUses=room.token_uses,
    )


def update_room(client: redis.Redis, sale_id: str, update: RoomUpdate, shards: keys.Shards = ONE_SHARD) -> None:
    """Apply the operator's changes. A change of state restarts the bucket empty, so opening or resuming
    lets nobody in at once beyond the rate."""
    fields: dict[str, str] = {}
    given = update.model_fields_set
    if "state" in given and update.state is not None:
        fields["state"] = update.state
        fields["lastTick"] = str(redis_now_ms(client))
        fields["allowance"] = "0"
    if "mode" in given and update.mode is not None:
        fields["mode"] = update.mode
    if "rate" in given and update.rate is not None:
        fields["rate"] = repr(float(update.rate))
    if "opensAt" in given:
        fields["opensAt"] = "" if update.opensAt is None else str(int(update.opensAt.timestamp() * 1000))
    if "tokenTtlSeconds" in given and update.tokenTtlSeconds is not None:
        fields["tokenTtlSeconds"] = str(update.tokenTtlSeconds)
    if "tokenUses" in given and update.tokenUses is not None:
        fields["tokenUses"] = str(update.tokenUses)
    if fields:
        pipe = client.pipeline(transaction=True)  # all of the change or none of it
        for name, value in fields.items():
            pipe.hset(room_keys(sale_id, shards).room, name, value)
        pipe.execute()


ADMITTER_THREAD = "room-admitter"


class RoomAdmitter(PeriodicStep):
    """Every `interval` seconds, one admission step (admit.lua) for every event's room that is open,
    each in its event's shard, while the event is on sale.

    Every gateway process runs one; admit.lua makes their steps add up to each room's rate, whoever runs
    them. The rooms are read through the process's RoomCaches (one pipeline for those whose copy is
    older than a second), so rooms that are off cost a cached read per tick. One room's failed step
    (its shard's node failing over) is logged and the others go on.
    Stopped like the StockKeeper (stop()): the gateway tests assert no thread of either outlives its test.
    """

    def __init__(
        self,
        client: redis.Redis,
        script: Script,
        rooms: RoomCaches,
        catalogue: Callable[[], Catalogue],
        rule: AdmissionRule,
        interval: float,
    ) -> None:
        super().__init__(self.tick, interval, name=ADMITTER_THREAD, what="admission step")
        self.client, self.script, self.rooms, self.catalogue, self.rule = client, script, rooms, catalogue, rule

    def tick(self) -> int:
        """One step for every open room: how many visitors were admitted now, in all of them."""
        now = datetime.now(UTC)
        on_sale = [e for e in self.catalogue().events if e.on_sale(now)]
        admitted = 0
        for room in self.rooms.get_many(e.id for e in on_sale):
            if room.state != RoomState.OPEN:
                continue
            try:
                admitted += admit(self.client, self.script, room.sale_id, self.rule, self.rooms.shards)[0]
            except redis.RedisError as e:
                log.warning("admission step of sale %s failed: %s", room.sale_id, e)
        return admitted
