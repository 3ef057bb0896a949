"""The lifecycle under load: 5,000 orders from 32 clients through the real gateway, three real workers
charging the test provider (approvals, declines, 503s and slow answers), pay-later orders paid,
cancelled or abandoned (a 2 s hold window), and workers SIGKILLed mid-run. The ledger
initial = available + held + sold is sampled DURING the run (one MULTI per sample) and at the end;
the provider's ledger agrees with the orders: every approved charge is a confirmed order, nobody is
charged twice, every order is terminal. On one Redis and on the local Redis Cluster with 3 shards (one
event per shard; each sample is one MULTI per shard, a MULTI being one slot's there)."""

from __future__ import annotations

import asyncio
import random
import signal
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal

import httpx
import pytest

from tests.fake_provider import ERROR, FakeProvider, RunningProvider
from ticketing_common import keys, redis_client
from ticketing_common.status import OrderStatus

from ..invariants import assert_ledger_balanced, check_invariants, sample_ledger, wait_until_all_terminal
from .test_lifecycle_kill_points import check_payments

pytestmark = pytest.mark.system

ORDERS, CLIENTS = 5000, 32
PAY_LATER_SHARE = 0.12
WORKER_ENV = {
    "WORKER_PAYMENT_TIMEOUT_SECONDS": "0.5",
    "WORKER_PAYMENT_MAX_ATTEMPTS": "3",
    "WORKER_PAYMENT_BACKOFF_MS": "20",
    "WORKER_BATCH_SIZE": "20",
    "WORKER_CONCURRENCY": "20",
    "WORKER_CLAIM_IDLE_MS": "3000",
    "WORKER_RECOVERY_INTERVAL_MS": "500",
    "WORKER_HOLD_SECONDS": "2",
    "WORKER_EXPIRY_INTERVAL_MS": "200",
}


def bodies(rng: random.Random, events: list[list[str]]) -> list[dict]:
    out = []
    for _ in range(ORDERS):
        tickets = events[0] if len(events) == 1 else rng.choice(events)  # an order is of one event
        kinds = rng.sample(tickets, 1 if rng.random() < 0.7 else 2)
        body = {
            "customer": {"name": "Load Test", "email": "load@example.com"},
            "items": [{"ticketId": t, "qty": rng.randint(1, 3)} for t in kinds],
            "paymentMethod": "credit_card",
        }
        if rng.random() < PAY_LATER_SHARE:
            body["payLater"] = True
        elif rng.random() < 0.03:  # a card that errors every time: its retries run out (payment_error)
            body["card"] = {"number": ERROR}
        out.append(body)
    return out


async def drive(base_url: str, rng: random.Random, events: list[list[str]]) -> tuple[list[str], Counter]:
    """POST every order (32 clients, retrying 503 with the same key); pay, cancel or abandon the payLater ones."""
    queue: asyncio.Queue = asyncio.Queue()
    for body in bodies(rng, events):
        queue.put_nowait(body)
    created: list[str] = []
    later: Counter = Counter()

    async def follow_up(client: httpx.AsyncClient, order_id: str, choice: str) -> None:
        for _ in range(200):  # wait (bounded) until a worker reserved it
            status = (await client.get(f"/orders/{order_id}")).json()["status"]
            if status != OrderStatus.PENDING:
                break
            await asyncio.sleep(0.05)
        if status != OrderStatus.RESERVED:
            later[f"{choice}:not-reserved:{status}"] += 1
            return
        if choice == "pay":
            response = await client.post(f"/orders/{order_id}/payment", json={"paymentMethod": "credit_card"})
        else:
            response = await client.post(f"/orders/{order_id}/cancel")
        assert response.status_code in (200, 202, 410), response.text
        later[f"{choice}:{response.status_code}"] += 1

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            while not queue.empty():
                body = queue.get_nowait()
                headers = {"Idempotency-Key": str(uuid.uuid4())}
                for _attempt in range(400):
                    response = await client.post("/orders", json=body, headers=headers)
                    if response.status_code != 503:
                        break
                    await asyncio.sleep(0.05)
                assert response.status_code == 201, response.text
                order_id = response.json()["orderId"]
                created.append(order_id)
                if body.get("payLater"):
                    choice = rng.choices(["pay", "cancel", "abandon"], weights=[45, 20, 35])[0]
                    later[choice] += 1
                    if choice != "abandon":
                        await follow_up(client, order_id, choice)

    await asyncio.gather(*(client_loop() for _ in range(CLIENTS)))
    return created, later


class Sampler(threading.Thread):
    """Reads the ledger (one MULTI per shard) every 20 ms until stopped; keeps every unbalanced sample."""

    def __init__(self, client: redis_client.SyncClient, shards: keys.Shards) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.shards = shards
        self.stop = threading.Event()
        self.samples = 0
        self.with_holds = 0
        self.violations: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set() and self.samples < 100_000:
            ledger = sample_ledger(self.client, self.shards)
            self.samples += 1
            self.with_holds += any(f["held"] for f in ledger.values())
            try:
                assert_ledger_balanced(ledger)
            except AssertionError as e:
                self.violations.append(str(e))
            time.sleep(0.02)


def records(r: redis_client.SyncClient, shards: keys.Shards, order_ids: list[str]) -> dict[str, dict[str, str]]:
    pipe = r.pipeline(transaction=False)  # plain reads: batched per node on the cluster
    for order_id in order_ids:
        pipe.hgetall(shards.order(order_id))
    return dict(zip(order_ids, pipe.execute(), strict=True))


def test_the_lifecycle_under_load_with_failures_keeps_every_ledger_straight(target_system):
    system = target_system
    r, shards = system.client(), system.shards
    mix = {"approve": 80, "decline": 8, "error": 7, "timeout": 5}
    with RunningProvider(FakeProvider(mix=mix, latency_s=0.01, timeout_delay_s=1.5)) as provider:
        env = {"WORKER_PAYMENT_PROVIDER_URL": provider.url, **WORKER_ENV}
        gateway = system.start_gateway()
        workers = [system.start_worker(f"worker-{i}", **env)[0] for i in range(3)]
        sampler = Sampler(system.client(), shards)
        sampler.start()

        kills = []

        def killer() -> None:
            # Two SIGKILLs mid-run, each replaced by a fresh worker (as a Deployment would).
            for n in range(2):
                time.sleep(6)
                victim = workers[n]
                victim.signal(signal.SIGKILL)
                victim.popen.wait(timeout=10)
                kills.append(victim.service.name)
                workers.append(system.start_worker(f"worker-r{n}", **env)[0])

        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        order_ids, later = asyncio.run(drive(gateway, random.Random(13), system.catalogue.events))
        kill_thread.join(timeout=60)
        assert len(order_ids) == ORDERS and len(kills) == 2

        wait_until_all_terminal(r, order_ids, timeout=300, shards=shards)
        sampler.stop.set()
        sampler.join(timeout=10)
        statuses = check_payments(r, provider, order_ids, shards)
        posts, charges = Counter(provider.posts), dict(provider.charges)

    # During the run: every sample balanced, and the samples saw holds (they were taken mid-flight).
    assert not sampler.violations, sampler.violations[:3]
    assert sampler.samples > 50 and sampler.with_holds > 0
    # At the end: every order terminal, nothing held, stock = available + confirmed, nothing applied twice.
    counted = check_invariants(r, order_ids, shards=shards)
    for status in ("confirmed", "rejected", "payment_failed", "expired", "cancelled"):
        assert counted[status] > 0, (status, counted, later)
    assert {shards.of_order(o) for o in order_ids} == set(shards.all())
    assert all(r.xlen(shards.dead_letter_stream(k)) == 0 for k in shards)
    # The provider's ledger agrees with the orders: one charge record per order at most (it is keyed by
    # the order id), approved exactly for the confirmed ones, with their amounts.
    assert set(charges) <= set(order_ids)
    confirmed = [o for o, s in statuses.items() if s == OrderStatus.CONFIRMED]
    approved_total = sum(Decimal(c["amount"]) for c in charges.values() if c["status"] == "approved")
    orders = records(r, shards, list(statuses))
    confirmed_total = sum(Decimal(orders[o]["grandTotal"]) for o in confirmed)
    assert approved_total == confirmed_total
    for order_id in confirmed:
        order = orders[order_id]
        assert order["paymentStatus"] == "approved" and order["chargeId"] == charges[order_id]["chargeId"]
        assert "cardNumber" not in order
    # Failures really happened and were retried; every payment_failed order holds nothing and kept no money.
    assert any(n > 1 for n in posts.values()), "no charge was ever retried"
    reasons = Counter(orders[o].get("reason") for o, s in statuses.items() if s == OrderStatus.PAYMENT_FAILED)
    assert reasons["payment_declined"] > 0 and reasons["payment_error"] > 0, reasons
    print(f"\nstatuses {dict(counted)}; payLater {dict(later)}; samples {sampler.samples}; kills {kills}")
    print(f"charge calls {sum(posts.values())} for {len(charges)} recorded charges; refunds {provider.refunded_keys()}")
