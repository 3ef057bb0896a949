"""Orders written straight into Redis, as the gateway leaves them, for the benchmarks that
measure the workers or memory without the gateway in the way."""

from __future__ import annotations

import random
import uuid

import redis

from ticketing_common import keys
from ticketing_common.order_record import new_order_fields, utc_timestamp
from ticketing_common.payment import PaymentMethod

from .budget import Deadline
from .fixtures import random_lines
from .rawredis import RawRedis, reply_errors, resp


def encode_orders(
    count: int,
    rng: random.Random,
    *,
    lines=random_lines,
    batch: int = 1000,
    shards: keys.Shards = keys.ONE_SHARD,
    shard: int = 0,
) -> list[tuple[list[str], bytes]]:
    """`count` new pending orders as the gateway leaves them in Redis: the order hash (HSET, built
    with the shared contract's new_order_fields) and its stream entry (XADD), pre-encoded in
    batches: [(order ids, commands), ...]. (The gateway does both in one Lua step, with its
    idempotency and backpressure checks; the state it leaves is the same.) All in `shard` of
    `shards`: its keys share one hash tag, so every batch goes to that shard's one node."""
    created_at = utc_timestamp()
    out = []
    seq = 0
    while seq < count:
        ids, cmds = [], []
        for _ in range(min(batch, count - seq)):
            seq += 1
            # As the gateway names orders: shard 0's ids are plain UUIDs (drawn from rng: reproducible).
            order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if shard == 0 else shards.new_order_id(shard)
            fields = new_order_fields(
                order_id=order_id,
                customer_name=f"Bench Customer {seq}",
                customer_email=f"bench+{seq}@example.com",
                payment_method=PaymentMethod.CREDIT_CARD,
                lines=lines(rng),
                currency="EUR",
                created_at=created_at,
            )
            flat = [x for kv in fields.items() for x in kv]
            cmds.append(resp("HSET", shards.order(order_id), *flat))
            cmds.append(resp("XADD", shards.order_stream(shard), "*", keys.STREAM_ORDER_ID_FIELD, order_id))
            ids.append(order_id)
        out.append((ids, b"".join(cmds)))
    return out


def load_encoded(
    url: str, client: redis.Redis, encoded: list[tuple[list[str], bytes]], deadline: Deadline | None = None
) -> list[str]:
    """Write pre-encoded orders into Redis; returns their ids."""
    raw = RawRedis(url)
    ids: list[str] = []
    try:
        for batch_ids, payload in encoded:
            if deadline and deadline.expired():
                raise TimeoutError(f"preloading stopped by the time budget after {len(ids)} orders")
            replies = raw.batch(payload)
            if reply_errors(replies):
                raise RuntimeError(f"preloading failed: {replies[:200]!r}")
            ids += batch_ids
    finally:
        raw.close()
    return ids
