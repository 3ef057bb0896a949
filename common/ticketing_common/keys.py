"""The Redis key schema: every key, stream and group name the services share.

All keys live under the ``ticketing:`` prefix so that nothing else stored in
the same Redis (for instance the admin API's own namespace) can collide with them.

    ticketing:stock                 hash  ticketId -> tickets still available
    ticketing:stock:initial         hash  ticketId -> stock at initialisation (written once)
    ticketing:stock:sold            hash  ticketId -> tickets sold by confirmed orders
    ticketing:stock:held            hash  ticketId -> tickets held by reserved or paying orders
    ticketing:holds                 zset  orderId -> hold deadline (ms, Redis clock) of reserved orders
    ticketing:totals:ended          hash  terminal status -> orders that ended in it (since the last reset)
    ticketing:totals:payments       hash  payment status -> orders whose charge came to it (since the last reset)
    ticketing:refunds:due           zset  orderId -> ms when its charge became due to go back (settled by workers)
    ticketing:order:<orderId>       hash  the order record (see order_record.py)
    ticketing:orders                stream of order ids waiting for a decision
    ticketing:orders:dead-letter    stream of entries that failed too many times
    ticketing:idempotency:<sha256>  hash  an Idempotency-Key's request fingerprint and first response
    ticketing:generation            string  the stock generation: a reset increments it (see reset_demo)
    ticketing:consumers:heartbeat   zset  consumer name -> last heartbeat (ms, Redis clock)
    ticketing:consumers:decided     hash  consumer name -> orders it decided since it started (at its heartbeat)
    ticketing:autoscaler:state      hash  scaled target -> JSON {current, desired, min, max, metric, ...}
    ticketing:autoscaler:events     stream of scaling events (time, target, from, to, reason), capped ~1000
    ticketing:scaling:observed      hash  scaled target -> JSON of the HPA last read from Kubernetes (the gateway's)
    ticketing:scaling:events        stream of the scaling events the gateway saw in the HPAs (time, target, from, to, reason)
    ticketing:events:orders         stream  one entry per order status change (orderId, status, at ms), capped ~100000
    ticketing:room:<sale>           hash  a sale's waiting room: settings and admission state (ROOM_FIELDS)
    ticketing:room:<sale>:waiting   zset  visitorId -> arrival sequence number (ZRANK = people ahead; FIFO)
    ticketing:room:<sale>:admitted  zset  visitorId -> admitted at (ms, Redis clock)
    ticketing:room:<sale>:visitors  hash  visitorId -> joined at (ms, Redis clock); kept after admission
    ticketing:room:<sale>:uses      hash  visitorId -> orders placed with this visitor's admission
    ticketing:room:<sale>:waits     list  the latest wait times (ms, newest first), capped: p50/p99
    ticketing:room:secret           string  the admission tokens' master secret (SET NX when ADMISSION_SECRET is unset)
    admin:<key>                     string  the admin API's own values (see the gateway's admin.py)
"""

import hashlib

PREFIX = "ticketing:"

STOCK = PREFIX + "stock"
STOCK_INITIAL = PREFIX + "stock:initial"
STOCK_SOLD = PREFIX + "stock:sold"

ORDER_STREAM = PREFIX + "orders"
DEAD_LETTER_STREAM = PREFIX + "orders:dead-letter"
CONSUMER_GROUP = "order-workers"

# The one field of an order stream entry: the id of the order to decide.
STREAM_ORDER_ID_FIELD = "orderId"

ORDER_PREFIX = PREFIX + "order:"

# A reset increments the generation; an order stamped with an older one is never decided.
GENERATION = PREFIX + "generation"

# Live workers' heartbeats: a consumer is stale (dead) when its heartbeat is old, not when it is quiet.
CONSUMER_HEARTBEATS = PREFIX + "consumers:heartbeat"
# Each live worker's cumulative count of decisions, written with its heartbeat and removed with it:
# the dashboard's per-worker throughput, from successive reads.
CONSUMER_DECIDED = PREFIX + "consumers:decided"


# make up's local autoscaler (tools/autoscaler), for the dashboard: per scaled target (order-worker,
# api-gateway) a JSON object with current, desired, min, max, metric, metricValue, target, overlay,
# timeScale; and a stream of its scaling events (time, target, from, to, reason).
AUTOSCALER_STATE = PREFIX + "autoscaler:state"
AUTOSCALER_EVENTS = PREFIX + "autoscaler:events"

# In a cluster: what the gateway last read of each HPA, and the scaling events it synthesised from the
# changes between reads, in Redis so that every gateway replica shows the same timeline.
SCALING_OBSERVED = PREFIX + "scaling:observed"
SCALING_EVENTS = PREFIX + "scaling:events"
# The fields of an entry of either events stream (AUTOSCALER_EVENTS, SCALING_EVENTS): time is seconds since
# the epoch, from and to are replica counts.
SCALING_EVENT_FIELDS = ("time", "target", "from", "to", "reason")


def order_key(order_id: str) -> str:
    return ORDER_PREFIX + order_id


IDEMPOTENCY_PREFIX = PREFIX + "idempotency:"


def idempotency_key(client_key: str) -> str:
    # Hashed: the client's key may be long or odd; the stored key stays short and safe.
    return IDEMPOTENCY_PREFIX + hashlib.sha256(client_key.encode()).hexdigest()


# The admin API may touch only keys under this prefix: never stock, orders or streams.
ADMIN_PREFIX = "admin:"


# Holds (the reserve-pay-confirm lifecycle): stock moved from `ticketing:stock` to here while an order
# is reserved or paying, and the deadline index of reserved orders. Never a key TTL: a hold ends only by
# a Lua step (confirm, release, the expiry sweep), so the ledger cannot drift.
STOCK_HELD = PREFIX + "stock:held"
HOLDS = PREFIX + "holds"


# Exact system-wide counters for the dashboard, each incremented in the same Lua step as the transition
# it counts (so they never disagree with the orders) and cleared by the demo reset: orders ended per
# terminal status (status.TERMINAL_STATUSES), and charges per outcome (status.PaymentStatus) as recorded
# on the orders by confirm/release (and a later refund).
TOTALS_ENDED = PREFIX + "totals:ended"
TOTALS_PAYMENTS = PREFIX + "totals:payments"

# Orders whose charge may have to go back (zset orderId -> ms when it became due): an approved charge
# whose order was released, or a charge whose outcome the worker never learned (errors, timeouts) on
# an order it released. Added before the refund is tried, so a provider outage or a dead worker
# leaves it here; every worker's recovery round settles it (refunds are idempotent by key).
REFUNDS_DUE = PREFIX + "refunds:due"


# Every order status change, for the live-updates service (Server-Sent Events): one entry per change,
# added by the Lua step that makes it (decide, start-payment, confirm, release, the expiry sweep, the
# dead-letter step), so a subscriber can never see a status the order hash does not have. Creation is
# not an event (the order's first snapshot is read from its hash). Capped approximately: a reconnect
# replays from Last-Event-ID while its entry is still in the stream.
ORDER_EVENTS = PREFIX + "events:orders"
ORDER_EVENTS_MAXLEN = 100_000
# The fields of an entry: the order id, the status it moved to, when (ms since the epoch, Redis clock).
ORDER_EVENT_FIELDS = ("orderId", "status", "at")


# The waiting room of a sale (see the gateway's waiting_room.py and docs/waiting-room.md). Every key is a
# function of the sale id, so that a Redis Cluster hash tag per sale (issue 17) is added here, once.
ROOM_PREFIX = PREFIX + "room:"
# A sale id may not be "secret": its room hash would be this key (the catalogue refuses it).
ROOM_SECRET = ROOM_PREFIX + "secret"


def room_key(sale_id: str) -> str:
    return ROOM_PREFIX + sale_id


def room_waiting_key(sale_id: str) -> str:
    return room_key(sale_id) + ":waiting"


def room_admitted_key(sale_id: str) -> str:
    return room_key(sale_id) + ":admitted"


def room_visitors_key(sale_id: str) -> str:
    return room_key(sale_id) + ":visitors"


def room_uses_key(sale_id: str) -> str:
    return room_key(sale_id) + ":uses"


def room_waits_key(sale_id: str) -> str:
    return room_key(sale_id) + ":waits"


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
