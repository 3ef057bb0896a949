"""4. Contention: every order on one ticket type with a small stock; decision rate and no oversell.

Method: as bench/workers.py (orders preloaded the way the gateway stores them, paused workers let
loose, clock stopped when every entry is acknowledged), but every order asks for 1 or 2 tickets of
the same ticket type, whose stock is far smaller than the demand: after the first ~700 orders
every decision is a refusal. 2 workers decide concurrently. Afterwards
tests/invariants.check_invariants: initial stock = available + tickets of confirmed orders, never
negative, the sold counter agrees, every order terminal.
"""

from __future__ import annotations

import random
from decimal import Decimal

from ticketing_common import keys
from ticketing_common.order_record import OrderLine

from .budget import Deadline, log
from .preload import encode_orders
from .workers import run_workers

NAME = "contention"
TICKET = ("hot-ticket", "adult", Decimal("89.00"))
STOCK = 1_000
WORKERS = 2


def one_hot_line(rng: random.Random) -> list[OrderLine]:
    return [OrderLine(TICKET[0], TICKET[1], rng.randint(1, 2), TICKET[2])]


def run(ctx) -> dict:
    n = 5_000 if ctx.quick else 20_000
    deadline = Deadline(45 if ctx.quick else 90)
    encoded = encode_orders(n, random.Random(4), lines=one_hot_line)
    with ctx.redis() as (url, client):
        log(f"{n:,} orders of 1-2 tickets on one ticket type with stock {STOCK:,}; {WORKERS} workers")
        result = run_workers(url, client, ctx.workdir / NAME, encoded, WORKERS, deadline, stock={TICKET[0]: STOCK})
        result["stock_initial"] = STOCK
        result["available_after"] = int(client.hget(keys.STOCK, TICKET[0]))
        result["sold"] = int(client.hget(keys.STOCK_SOLD, TICKET[0]) or 0)
        result["oversold"] = max(result["sold"] - STOCK, 0)
    log(
        f"  {result['orders_per_s']:,.0f} orders/s; sold {result['sold']} of {STOCK}; "
        f"statuses {result['statuses']}; invariants {result['invariants']}"
    )
    uncontended = next((r for r in (ctx.results.get("workers") or {}).get("runs", []) if r["k"] == WORKERS), None)
    if uncontended and uncontended["orders_per_s"]:
        result["ratio_to_uncontended_k2"] = round(result["orders_per_s"] / uncontended["orders_per_s"], 3)
    return result
