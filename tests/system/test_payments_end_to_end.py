"""The order path with the real payment provider: gateway, a worker and payment-provider as processes.

The other lifecycle tests use an in-test fake provider to script failures; this one proves that the
worker and the provider itself agree on the wire (amounts, test cards, the slow answer of a timeout,
the token) and that the provider's ledger matches the orders.
"""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from tests.invariants import assert_ledger_balanced, sample_ledger
from ticketing_common import keys
from tools import stack
from tools.redis_server import free_port

pytestmark = pytest.mark.system

APPROVE, DECLINE, ERROR, TIMEOUT = "4242424242424242", "4000000000000002", "4000000000000119", "4000000000003220"
TOKEN = "e2e-payment-token-0123456789abcdef"


@pytest.fixture
def shop(system):
    """Gateway, one worker and the provider (with a token, which the worker sends)."""
    port = free_port()
    system.processes += stack.start(
        [stack.provider_service(port, system.redis_url, PAYMENT_TOKEN=TOKEN, PAYMENT_TIMEOUT_DELAY_SECONDS="4")],
        system.workdir / "logs",
    )
    provider = f"http://127.0.0.1:{port}"
    gateway = system.start_gateway()
    system.start_worker(
        "worker-1",
        WORKER_BLOCK_MS="200",
        WORKER_PAYMENT_PROVIDER_URL=provider,
        WORKER_PAYMENT_PROVIDER_TOKEN=TOKEN,
        WORKER_PAYMENT_TIMEOUT_SECONDS="1",
        WORKER_PAYMENT_MAX_ATTEMPTS="2",
        WORKER_PAYMENT_BACKOFF_MS="50",
    )
    with httpx.Client(timeout=10) as client:
        yield client, gateway, provider


def order(card: str | None = None, qty: int = 2, **extra) -> dict:
    body = {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": "alpha", "qty": qty}],
        "paymentMethod": "credit_card",
        **extra,
    }
    if card:
        body["card"] = {"number": card}
    return body


def follow(client: httpx.Client, gateway: str, order_id: str, until: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        record = client.get(f"{gateway}/orders/{order_id}").json()
        if record["status"] in until:
            return record
        assert time.monotonic() < deadline, f"order {order_id} stayed {record['status']}"
        time.sleep(0.1)


TERMINAL = {"confirmed", "rejected", "payment_failed", "expired", "cancelled", "failed"}


def test_each_test_card_ends_its_order_as_the_provider_decided(shop, real_redis):
    client, gateway, provider = shop
    placed = {}
    for card in (APPROVE, DECLINE, ERROR, TIMEOUT):
        response = client.post(f"{gateway}/orders", json=order(card))
        assert response.status_code == 201, response.text
        placed[card] = response.json()["orderId"]
    ended = {card: follow(client, gateway, oid, TERMINAL) for card, oid in placed.items()}

    assert ended[APPROVE]["status"] == "confirmed" and ended[APPROVE]["payment"]["status"] == "approved"
    assert ended[DECLINE]["status"] == "payment_failed" and ended[DECLINE]["reason"] == "payment_declined"
    assert ended[ERROR]["status"] == "payment_failed" and ended[ERROR]["reason"] == "payment_error"
    # The provider recorded it but answered after the worker's 1 s timeout: the worker asked by key.
    assert ended[TIMEOUT]["status"] == "confirmed" and ended[TIMEOUT]["payment"]["status"] == "approved"
    assert all("card" not in r and "cardNumber" not in r for r in ended.values())

    charges = {c["idempotencyKey"]: c for c in client.get(f"{provider}/ledger").json()["charges"]}
    assert set(charges) == {placed[APPROVE], placed[DECLINE], placed[TIMEOUT]}  # an error records nothing
    assert Decimal(charges[placed[APPROVE]]["amount"]) == Decimal(str(ended[APPROVE]["grandTotal"]))
    assert charges[placed[DECLINE]]["status"] == "declined"
    assert_ledger_balanced(sample_ledger(real_redis))
    sold = int(real_redis.hget(keys.STOCK_SOLD, "alpha"))
    assert sold == 4  # the two confirmed orders, 2 tickets each; the failed ones released theirs


def test_a_held_order_is_paid_later_through_the_provider(shop, real_redis):
    client, gateway, provider = shop
    order_id = client.post(f"{gateway}/orders", json=order(payLater=True)).json()["orderId"]
    held = follow(client, gateway, order_id, {"reserved"})
    assert held["holdExpiresAt"]
    assert client.get(f"{provider}/charges/{order_id}").status_code == 404  # nothing charged while held

    paid = client.post(
        f"{gateway}/orders/{order_id}/payment", json={"paymentMethod": "credit_card", "card": {"number": APPROVE}}
    )
    assert paid.status_code == 202, paid.text
    assert follow(client, gateway, order_id, TERMINAL)["status"] == "confirmed"
    assert client.get(f"{provider}/charges/{order_id}").json()["status"] == "approved"
    again = client.post(f"{gateway}/orders/{order_id}/payment", json={"paymentMethod": "credit_card"})
    assert again.status_code == 409 and "error" in again.json()
    assert_ledger_balanced(sample_ledger(real_redis))
