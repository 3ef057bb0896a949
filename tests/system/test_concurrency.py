"""5,000 orders from 32 concurrent clients through the real gateway, decided by three real workers,
on ticket types that sell out mid-run. Afterwards the invariants hold exactly. Run on one Redis and
on the local Redis Cluster with 3 shards (one event per shard, so every master decides orders)."""

import json
from collections import defaultdict

import pytest

from ticketing_common import keys

from ..invariants import check_invariants, wait_until_all_terminal
from .load import place_orders

pytestmark = pytest.mark.system


def test_concurrent_orders_never_oversell_and_all_reach_a_terminal_status(target_system):
    system = target_system
    r, shards = system.client(), system.shards
    gateway = system.start_gateway()
    for i in range(3):
        system.start_worker(f"worker-{i}", WORKER_BATCH_SIZE="50")

    order_ids = place_orders(gateway, count=5000, concurrency=32, events=system.catalogue.events)
    assert len(order_ids) == 5000

    wait_until_all_terminal(r, order_ids, shards=shards)
    statuses = check_invariants(r, order_ids, shards=shards)

    # The run really exercised both outcomes: every scarce ticket type (of every event) was sold to
    # some orders and then refused to others for want of stock.
    assert statuses["confirmed"] > 0 and statuses["rejected"] > 0
    outcomes = outcomes_per_ticket(r, shards, order_ids)
    for kind in ("beta", "gamma", "delta"):
        for ticket in system.catalogue.of_kind(kind):
            assert {"confirmed", "rejected"} <= outcomes[ticket], ticket
    # Orders were decided on every shard (on the cluster: on every master).
    assert {shards.of_order(o) for o in order_ids} == set(shards.all())
    # Three workers shared the work.
    consumers = {c["name"] for k in shards for c in r.xinfo_consumers(shards.order_stream(k), keys.CONSUMER_GROUP)}
    assert consumers >= {"worker-0", "worker-1", "worker-2"}
    assert all(r.xlen(shards.dead_letter_stream(k)) == 0 for k in shards)


def outcomes_per_ticket(r, shards, order_ids):
    pipe = r.pipeline(transaction=False)
    for order_id in order_ids:
        pipe.hmget(shards.order(order_id), ["status", "items"])
    seen = defaultdict(set)
    for status, items in pipe.execute():
        for item in json.loads(items):
            seen[item["ticketId"]].add(status)
    return seen
