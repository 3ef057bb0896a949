"""A bounded burst of orders from concurrent clients, for the system tests."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Sequence

import httpx

MAX_ATTEMPTS = 400  # x 50 ms: a client retries a 503 for about 20 s before giving up


def random_order(rng: random.Random, ticket_ids: Sequence[str]) -> dict:
    """Single-item orders and multi-item orders (2 or 3 ticket types), 1 to 3 tickets a line."""
    kinds = rng.sample(ticket_ids, 1 if rng.random() < 0.6 else rng.choice([2, 3]))
    return {
        "customer": {"name": "Load Test", "email": "load@example.com"},
        "items": [{"ticketId": t, "qty": rng.randint(1, 3)} for t in kinds],
        "paymentMethod": "credit_card",
    }


def random_event_order(rng: random.Random, events: Sequence[Sequence[str]]) -> dict:
    """`random_order` of one event's tickets (an order's tickets must be of one event), the event
    picked at random when there are several."""
    return random_order(rng, events[0] if len(events) == 1 else rng.choice(events))


async def _send(base_url: str, bodies: list[dict], concurrency: int, on_progress, allow_503: bool):
    queue: asyncio.Queue = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    created: list[str] = []
    refused = 0

    async def client_loop():
        nonlocal refused
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            while not queue.empty():
                body = queue.get_nowait()
                # As a careful client does: one key per order, the same key on every retry, so
                # a 503 whose order was in fact stored cannot turn into a second purchase.
                headers = {"Idempotency-Key": str(uuid.uuid4())}
                for _attempt in range(MAX_ATTEMPTS):
                    response = await client.post("/orders", json=body, headers=headers)
                    if response.status_code != 503 or not allow_503:
                        break
                    refused += 1
                    await asyncio.sleep(0.05)
                assert response.status_code == 201, response.text
                created.append(response.json()["orderId"])
                if on_progress:
                    await on_progress(len(created))

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return created, refused


def place_orders(
    base_url: str, count: int, concurrency: int, events: Sequence[Sequence[str]], seed: int = 7
) -> list[str]:
    """POST `count` orders (each of one of `events`, given as their ticket ids) from `concurrency`
    concurrent clients; returns the order ids answered 201."""
    rng = random.Random(seed)
    bodies = [random_event_order(rng, events) for _ in range(count)]
    created, _ = asyncio.run(_send(base_url, bodies, concurrency, None, allow_503=False))
    return created


async def place_orders_through_outage(base_url, count, concurrency, ticket_ids, on_progress, seed=11):
    """Like place_orders, but a 503 (store unavailable) is retried with the same Idempotency-Key and
    counted: (created ids, 503s met)."""
    rng = random.Random(seed)
    bodies = [random_order(rng, ticket_ids) for _ in range(count)]
    return await _send(base_url, bodies, concurrency, on_progress, allow_503=True)
