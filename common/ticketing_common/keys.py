"""The Redis key schema: every key, stream and group name the services share.

All keys live under the ``ticketing:`` prefix so that nothing else stored in
the same Redis (for instance the admin API's own namespace) can collide with them.

The order path is split into N *shards* (``REDIS_SHARDS``, settings.redis_shards; 1 by default). Every key
of shard k starts ``ticketing:{<tag>}:`` with ``tag = shard_tag(k, N)``: the braces are a Redis Cluster hash
tag, so all of a shard's keys share one slot and every Lua step (whose KEYS are one shard's) runs on one
node. An event's orders, stock and waiting room live in the shard ``shard_of_event(eventId, N)``; an order id
names its shard (``new_order_id``, ``shard_of_order``). N is fixed for a deployment's data: changing it needs
a demo reset (the keys of the old split are not moved). Per-shard keys (methods of `Shards`):

    ticketing:{tag}:stock                 hash  ticketId -> tickets still available
    ticketing:{tag}:stock:initial         hash  ticketId -> stock at initialisation (written once)
    ticketing:{tag}:stock:sold            hash  ticketId -> tickets sold by confirmed orders
    ticketing:{tag}:stock:held            hash  ticketId -> tickets held by reserved or paying orders
    ticketing:{tag}:holds                 zset  orderId -> hold deadline (ms, Redis clock) of reserved orders
    ticketing:{tag}:totals:ended          hash  terminal status -> orders that ended in it (since the last reset)
    ticketing:{tag}:totals:payments       hash  payment status -> orders whose charge came to it (since the last reset)
    ticketing:{tag}:refunds:due           zset  orderId -> ms when its charge became due to go back (settled by workers)
    ticketing:{tag}:order:<orderId>       hash  the order record (see order_record.py)
    ticketing:{tag}:orders                stream of order ids waiting for a decision (group CONSUMER_GROUP)
    ticketing:{tag}:orders:dead-letter    stream of entries that failed too many times
    ticketing:{tag}:idempotency:<sha256>  hash  an Idempotency-Key's request fingerprint and first response
    ticketing:{tag}:generation            string  the stock generation: a reset increments it (see reset_demo)
    ticketing:{tag}:events:orders         stream  one entry per order status change (orderId, status, at ms), capped ~100000
    ticketing:{tag}:room:<sale>           hash  a sale's waiting room: settings and admission state (ROOM_FIELDS)
    ticketing:{tag}:room:<sale>:waiting   zset  visitorId -> arrival sequence number (ZRANK = people ahead; FIFO)
    ticketing:{tag}:room:<sale>:admitted  zset  visitorId -> admitted at (ms, Redis clock)
    ticketing:{tag}:room:<sale>:visitors  hash  visitorId -> joined at (ms, Redis clock); kept after admission
    ticketing:{tag}:room:<sale>:uses      hash  visitorId -> orders placed with this visitor's admission
    ticketing:{tag}:room:<sale>:waits     list  the latest wait times (ms, newest first), capped: p50/p99

Global keys (never in an order-path step; a tag where one Lua script touches two of them):

    ticketing:{consumers}:heartbeat   zset  consumer name -> last heartbeat (ms, Redis clock)
    ticketing:{consumers}:decided     hash  consumer name -> orders it decided since it started (at its heartbeat)
    ticketing:{autoscaler}:state      hash  scaled target -> JSON {current, desired, min, max, metric, ...}
    ticketing:{autoscaler}:events     stream of scaling events (time, target, from, to, reason), capped ~1000
    ticketing:{scaling}:observed      hash  scaled target -> JSON of the HPA last read from Kubernetes (the gateway's)
    ticketing:{scaling}:events        stream of the scaling events the gateway saw in the HPAs (time, target, from, to, reason)
    ticketing:{catalogue}:events      hash  eventId -> event JSON (the catalogue; organiser writes are one script)
    ticketing:{catalogue}:tickets     hash  ticketId -> eventId (ticket ids are unique across events)
    ticketing:{catalogue}:version     string  integer bumped by every organiser write (gateways reload on change)
    ticketing:room:secret             string  the admission tokens' master secret (SET NX when ADMISSION_SECRET is unset)
    admin:<key>                       string  the admin API's own values (see the gateway's admin.py)
"""

import binascii
import functools
import hashlib
import re
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

PREFIX = "ticketing:"

# REDIS_SHARDS' bounds: 64 keeps every per-shard read loop (dashboard, backlog, live-updates) cheap.
MAX_SHARDS = 64
CLUSTER_SLOTS = 16384

CONSUMER_GROUP = "order-workers"

# The one field of an order stream entry: the id of the order to decide.
STREAM_ORDER_ID_FIELD = "orderId"

ORDER_EVENTS_MAXLEN = 100_000
# The fields of an entry of a shard's events:orders stream: the order id, the status it moved to, when
# (ms since the epoch, Redis clock).
ORDER_EVENT_FIELDS = ("orderId", "status", "at")


def _slot(tag: str) -> int:
    # Redis Cluster's slot of a key whose hash tag is `tag` (CRC16/XMODEM, as redis.crc.key_slot).
    return binascii.crc_hqx(tag.encode(), 0) % CLUSTER_SLOTS


def _check_shard(shard: int, n: int) -> None:
    if not 1 <= n <= MAX_SHARDS:
        raise ValueError(f"shard count {n} is outside 1..{MAX_SHARDS}")
    if not 0 <= shard < n:
        raise ValueError(f"shard {shard} is outside 0..{n - 1}")


@functools.cache
def shard_tag(shard: int, n: int) -> str:
    """The hash tag of shard `shard` of `n`: the first ``s<shard>.<j>`` whose cluster slot falls in the
    shard's share of the slots, ``[shard*16384//n, (shard+1)*16384//n)``. With the even split of
    ``redis-cli --cluster create`` and n a multiple of the masters, the shards spread evenly over them."""
    _check_shard(shard, n)
    low, high = shard * CLUSTER_SLOTS // n, (shard + 1) * CLUSTER_SLOTS // n
    j = 0
    while not low <= _slot(f"s{shard}.{j}") < high:
        j += 1
    return f"s{shard}.{j}"


def shard_of_event(event_id: str, n: int) -> int:
    """The shard of an event's stock, orders and waiting room: stable, computed, no state to keep."""
    return zlib.crc32(event_id.encode()) % n


_SHARDED_ORDER_ID = re.compile(r"s([1-9][0-9]*)-(.+)")


def shard_of_order(order_id: str) -> int:
    """The shard an order id names: ``s<k>-<uuid>`` is shard k; a plain UUID (and anything else) is 0."""
    match = _SHARDED_ORDER_ID.fullmatch(order_id)
    if match is None:
        return 0
    try:
        uuid.UUID(match.group(2))
    except ValueError:
        return 0
    return int(match.group(1))


def new_order_id(shard: int) -> str:
    """A fresh order id of `shard`: a plain UUID4 for shard 0 (so one shard changes nothing visible)."""
    if shard < 0:
        raise ValueError(f"shard {shard} is negative")
    return str(uuid.uuid4()) if shard == 0 else f"s{shard}-{uuid.uuid4()}"


def _client_key_digest(client_key: str) -> str:
    # Hashed: the client's key may be long or odd; the stored key stays short and safe.
    return hashlib.sha256(client_key.encode()).hexdigest()


@dataclass(frozen=True)
class Shards:
    """The per-shard keys of a deployment of `count` shards: ``Shards(settings.redis_shards)``."""

    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise ValueError(f"shard count {self.count} is outside 1..{MAX_SHARDS}")

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.count))

    def all(self) -> range:
        return range(self.count)

    def tag(self, shard: int) -> str:
        return shard_tag(shard, self.count)

    def prefix(self, shard: int) -> str:
        return f"{PREFIX}{{{self.tag(shard)}}}:"

    def of_event(self, event_id: str) -> int:
        return shard_of_event(event_id, self.count)

    def of_order(self, order_id: str) -> int:
        """The shard of an order id; ValueError when the id names a shard this deployment does not have."""
        shard = shard_of_order(order_id)
        _check_shard(shard, self.count)
        return shard

    def owns(self, order_id: str) -> bool:
        """Whether the id names one of this deployment's shards (a request for any other is a 404)."""
        return shard_of_order(order_id) < self.count

    def new_order_id(self, shard: int) -> str:
        _check_shard(shard, self.count)
        return new_order_id(shard)

    # Stock ledger: initial = available + held + sold, per ticket, in each shard.
    def stock(self, shard: int) -> str:
        return self.prefix(shard) + "stock"

    def stock_initial(self, shard: int) -> str:
        return self.prefix(shard) + "stock:initial"

    def stock_sold(self, shard: int) -> str:
        return self.prefix(shard) + "stock:sold"

    def stock_held(self, shard: int) -> str:
        return self.prefix(shard) + "stock:held"

    def holds(self, shard: int) -> str:
        return self.prefix(shard) + "holds"

    def totals_ended(self, shard: int) -> str:
        return self.prefix(shard) + "totals:ended"

    def totals_payments(self, shard: int) -> str:
        return self.prefix(shard) + "totals:payments"

    def refunds_due(self, shard: int) -> str:
        return self.prefix(shard) + "refunds:due"

    def order_stream(self, shard: int) -> str:
        return self.prefix(shard) + "orders"

    def dead_letter_stream(self, shard: int) -> str:
        return self.prefix(shard) + "orders:dead-letter"

    def generation(self, shard: int) -> str:
        return self.prefix(shard) + "generation"

    def order_events(self, shard: int) -> str:
        return self.prefix(shard) + "events:orders"

    def order_prefix(self, shard: int) -> str:
        return self.prefix(shard) + "order:"

    def order(self, order_id: str) -> str:
        """The order's hash, in the shard its id names."""
        return self.order_prefix(self.of_order(order_id)) + order_id

    def idempotency(self, shard: int, client_key: str) -> str:
        return self.prefix(shard) + "idempotency:" + _client_key_digest(client_key)

    def room(self, shard: int, sale_id: str) -> str:
        return self.prefix(shard) + "room:" + sale_id

    def room_waiting(self, shard: int, sale_id: str) -> str:
        return self.room(shard, sale_id) + ":waiting"

    def room_admitted(self, shard: int, sale_id: str) -> str:
        return self.room(shard, sale_id) + ":admitted"

    def room_visitors(self, shard: int, sale_id: str) -> str:
        return self.room(shard, sale_id) + ":visitors"

    def room_uses(self, shard: int, sale_id: str) -> str:
        return self.room(shard, sale_id) + ":uses"

    def room_waits(self, shard: int, sale_id: str) -> str:
        return self.room(shard, sale_id) + ":waits"


# Shard 0's keys of a one-shard deployment (the default), as the constants single-shard code and tests
# used before sharding; new code uses `Shards`.
# The one-shard deployment (the default): what code that is not told the shards uses.
ONE_SHARD = Shards(1)
STOCK = ONE_SHARD.stock(0)
STOCK_INITIAL = ONE_SHARD.stock_initial(0)
STOCK_SOLD = ONE_SHARD.stock_sold(0)
# Holds (the reserve-pay-confirm lifecycle): stock moved from `stock` to here while an order is reserved or
# paying, and the deadline index of reserved orders. Never a key TTL: a hold ends only by a Lua step
# (confirm, release, the expiry sweep), so the ledger cannot drift.
STOCK_HELD = ONE_SHARD.stock_held(0)
HOLDS = ONE_SHARD.holds(0)
# Exact counters for the dashboard, each incremented in the same Lua step as the transition it counts (so
# they never disagree with the orders) and cleared by the demo reset: orders ended per terminal status
# (status.TERMINAL_STATUSES), and charges per outcome (status.PaymentStatus) as recorded on the orders by
# confirm/release (and a later refund). System-wide figures are the sums over shards.
TOTALS_ENDED = ONE_SHARD.totals_ended(0)
TOTALS_PAYMENTS = ONE_SHARD.totals_payments(0)
# Orders whose charge may have to go back (zset orderId -> ms when it became due): an approved charge
# whose order was released, or a charge whose outcome the worker never learned (errors, timeouts) on
# an order it released. Added before the refund is tried, so a provider outage or a dead worker
# leaves it here; every worker's recovery round settles it (refunds are idempotent by key).
REFUNDS_DUE = ONE_SHARD.refunds_due(0)
ORDER_STREAM = ONE_SHARD.order_stream(0)
DEAD_LETTER_STREAM = ONE_SHARD.dead_letter_stream(0)
ORDER_PREFIX = ONE_SHARD.order_prefix(0)
IDEMPOTENCY_PREFIX = ONE_SHARD.prefix(0) + "idempotency:"
# A reset increments the generation; an order stamped with an older one is never decided.
GENERATION = ONE_SHARD.generation(0)
# Every order status change, for the live-updates service (Server-Sent Events): one entry per change,
# added by the Lua step that makes it (decide, start-payment, confirm, release, the expiry sweep, the
# dead-letter step), so a subscriber can never see a status the order hash does not have. Creation is
# not an event (the order's first snapshot is read from its hash). Capped approximately: a reconnect
# replays from Last-Event-ID while its entry is still in the stream.
ORDER_EVENTS = ONE_SHARD.order_events(0)


def order_key(order_id: str) -> str:
    """Shard 0's order hash (one shard); new code: ``Shards.order``."""
    return ORDER_PREFIX + order_id


def idempotency_key(client_key: str) -> str:
    """Shard 0's idempotency hash (one shard); new code: ``Shards.idempotency``."""
    return IDEMPOTENCY_PREFIX + _client_key_digest(client_key)


# Live workers' heartbeats: a consumer is stale (dead) when its heartbeat is old, not when it is quiet.
# One hash tag for both: heartbeat.lua touches the two in one step.
CONSUMER_HEARTBEATS = PREFIX + "{consumers}:heartbeat"
# Each live worker's cumulative count of decisions, written with its heartbeat and removed with it:
# the dashboard's per-worker throughput, from successive reads.
CONSUMER_DECIDED = PREFIX + "{consumers}:decided"

# make up's local autoscaler (tools/autoscaler), for the dashboard: per scaled target (order-worker,
# api-gateway) a JSON object with current, desired, min, max, metric, metricValue, target, overlay,
# timeScale; and a stream of its scaling events (time, target, from, to, reason).
AUTOSCALER_STATE = PREFIX + "{autoscaler}:state"
AUTOSCALER_EVENTS = PREFIX + "{autoscaler}:events"

# In a cluster: what the gateway last read of each HPA, and the scaling events it synthesised from the
# changes between reads, in Redis so that every gateway replica shows the same timeline (observe_hpa.lua
# writes both in one step: one tag).
SCALING_OBSERVED = PREFIX + "{scaling}:observed"
SCALING_EVENTS = PREFIX + "{scaling}:events"
# The fields of an entry of either events stream (AUTOSCALER_EVENTS, SCALING_EVENTS): time is seconds since
# the epoch, from and to are replica counts.
SCALING_EVENT_FIELDS = ("time", "target", "from", "to", "reason")

# The catalogue of events (the gateway's catalogue.py): global, read and written with single-key commands
# or one script on these three keys (one tag), never inside an order-path step.
CATALOGUE_EVENTS = PREFIX + "{catalogue}:events"
CATALOGUE_TICKETS = PREFIX + "{catalogue}:tickets"
CATALOGUE_VERSION = PREFIX + "{catalogue}:version"

# The admin API may touch only keys under this prefix: never stock, orders or streams.
ADMIN_PREFIX = "admin:"


# The waiting room of a sale (see the gateway's waiting_room.py and docs/waiting-room.md): in the shard of
# the sale's event (``Shards.room*``). These functions are shard 0's of one shard, as before sharding.
ROOM_PREFIX = ONE_SHARD.prefix(0) + "room:"
# Global, outside every shard.
ROOM_SECRET = PREFIX + "room:secret"


def room_key(sale_id: str) -> str:
    return ONE_SHARD.room(0, sale_id)


def room_waiting_key(sale_id: str) -> str:
    return ONE_SHARD.room_waiting(0, sale_id)


def room_admitted_key(sale_id: str) -> str:
    return ONE_SHARD.room_admitted(0, sale_id)


def room_visitors_key(sale_id: str) -> str:
    return ONE_SHARD.room_visitors(0, sale_id)


def room_uses_key(sale_id: str) -> str:
    return ONE_SHARD.room_uses(0, sale_id)


def room_waits_key(sale_id: str) -> str:
    return ONE_SHARD.room_waits(0, sale_id)


# The fields of the room hash: the operator's settings (state: status.RoomState, mode: status.RoomMode,
# rate: visitors/s, the fixed rate or the last adaptive figure; opensAt: ms or ''; tokenTtlSeconds,
# tokenUses) and the admission state admit.lua keeps (lastTick ms, allowance: the token bucket; seq:
# the arrival counter; admittedTotal; decisionRate, sampleAt, sampleAcked: the adaptive mode's
# measurement of the order workers).
ROOM_FIELDS = (
    "state",
    "mode",
    "rate",
    "opensAt",
    "tokenTtlSeconds",
    "tokenUses",
    "lastTick",
    "allowance",
    "seq",
    "admittedTotal",
    "decisionRate",
    "sampleAt",
    "sampleAcked",
)
