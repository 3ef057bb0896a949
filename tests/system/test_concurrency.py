"""5,000 orders from 32 concurrent clients through the real gateway, decided by three real workers,
on ticket types that sell out mid-run. Afterwards the invariants hold exactly."""

import json
from collections import defaultdict

import pytest

from ticketing_common import keys

from ..invariants import check_invariants, wait_until_all_terminal
from .conftest import TICKET_IDS
from .load import place_orders

pytestmark = pytest.mark.system


def test_concurrent_orders_never_oversell_and_all_reach_a_terminal_status(system, real_redis):
    gateway = system.start_gateway()
    for i in range(3):
        system.start_worker(f"worker-{i}", WORKER_BATCH_SIZE="50")

    order_ids = place_orders(gateway, count=5000, concurrency=32, ticket_ids=TICKET_IDS)
    assert len(order_ids) == 5000

    wait_until_all_terminal(real_redis, order_ids)
    statuses = check_invariants(real_redis, order_ids)

    # The run really exercised both outcomes: every scarce ticket type was sold to some
    # orders and then refused to others for want of stock.
    assert statuses["confirmed"] > 0 and statuses["rejected"] > 0
    outcomes = outcomes_per_ticket(real_redis, order_ids)
    for ticket in ("beta", "gamma", "delta"):
        assert {"confirmed", "rejected"} <= outcomes[ticket], ticket
    # Three workers shared the work.
    consumers = real_redis.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)
    assert {c["name"] for c in consumers} >= {"worker-0", "worker-1", "worker-2"}
    assert real_redis.xlen(keys.DEAD_LETTER_STREAM) == 0


def outcomes_per_ticket(r, order_ids):
    seen = defaultdict(set)
    for order_id in order_ids:
        status, items = r.hmget(keys.order_key(order_id), ["status", "items"])
        for item in json.loads(items):
            seen[item["ticketId"]].add(status)
    return seen
