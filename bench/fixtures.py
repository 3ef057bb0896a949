"""What the benchmarks sell: the catalogue's tickets with a stock that never runs out, and the
random order lines of a realistic mix."""

from __future__ import annotations

import random
from decimal import Decimal

from ticketing_common.order_record import OrderLine

# The tickets every benchmark sells: the ids and prices of the bundled catalogue, with a stock
# large enough that no order is refused for want of it (the confirm path is the costlier one).
BIG_STOCK = 1_000_000_000
TICKETS = [
    ("ga-adult", "adult", Decimal("89.00")),
    ("ga-early-bird", "adult", Decimal("69.00")),
    ("ga-student", "student", Decimal("59.00")),
    ("ga-child", "child", Decimal("25.00")),
    ("ga-senior", "senior", Decimal("55.00")),
    ("vip-lounge", "vip", Decimal("249.00")),
    ("vip-backstage", "vip", Decimal("599.00")),
]
TICKET_IDS = [t[0] for t in TICKETS]


def catalogue(tickets=TICKETS, stock: int = BIG_STOCK) -> dict:
    return {
        "currency": "EUR",
        "tickets": [
            {
                "id": tid,
                "name": tid.replace("-", " ").title(),
                "type": type_,
                "price": float(price),
                "stock": stock,
                "description": "benchmark ticket",
            }
            for tid, type_, price in tickets
        ],
    }


def random_lines(rng: random.Random, tickets=TICKETS, multi_share: float = 0.4, max_qty: int = 3) -> list[OrderLine]:
    """Single-item orders and (multi_share of them) 2 or 3 distinct ticket types, 1..max_qty tickets a line."""
    n = 1 if rng.random() >= multi_share or len(tickets) == 1 else rng.choice([2, 3])
    return [OrderLine(tid, type_, rng.randint(1, max_qty), price) for tid, type_, price in rng.sample(tickets, n)]
