"""On the session's real redis-server: concurrent identical charges record exactly one charge, and the
ledger's totals agree with the charges recorded, through the logic and through the real service process."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from decimal import Decimal

import httpx
import pytest
import redis.asyncio as aioredis

from payment_provider import charges, keys
from payment_provider.charges import Rules, Scripts
from payment_provider.outcomes import Latency, parse_mix
from payment_provider.record import Verdict
from tools.redis_server import free_port
from tools.stack import provider_service, start, stop

from .conftest import DECLINE, ERROR, charge_body, run_on_real

pytestmark = pytest.mark.integration

CONCURRENT = 32


def rules(mix: str, median_ms: float = 20, sigma: float = 0.3) -> Rules:
    return Rules(
        mix=parse_mix(mix),
        latency=Latency(median_ms, sigma, 200),
        seed="real",
        currency="EUR",
        max_amount_cents=10_000_000,
        timeout_delay_s=0.0,
        attempts_ttl_s=60,
    )


def test_32_concurrent_identical_charges_record_exactly_one(real_redis, redis_url):
    """Each call draws its own attempt (approve, decline or error) and sleeps its own latency, so all
    32 race to record at about the same moment: one records, the others answer its record (or 503)."""

    async def main():
        clients = [aioredis.Redis.from_url(redis_url, decode_responses=True) for _ in range(CONCURRENT)]
        try:
            calls = [
                charges.charge(
                    c, Scripts.register(c), rules("approve=40,decline=30,error=30"), "order-x", 1250, "EUR", None
                )
                for c in clients
            ]
            return await asyncio.gather(*calls)
        finally:
            for c in clients:
                await c.aclose()

    results = asyncio.run(main())
    verdicts = Counter(r.verdict for r in results)
    assert verdicts[Verdict.RECORDED] == 1, verdicts
    answered = [r.charge for r in results if r.verdict is not Verdict.ERROR]
    assert answered and all(a == answered[0] for a in answered)
    assert real_redis.zcard(keys.LEDGER) == 1
    totals = real_redis.hgetall(keys.TOTALS)
    assert sum(int(totals.get(s, 0)) for s in ("approved", "declined")) == 1
    assert real_redis.hget(keys.charge_key("order-x"), "chargeId") == answered[0]["chargeId"]


@pytest.fixture
def provider_process(redis_url, tmp_path):
    port = free_port()
    env = {
        "PAYMENT_LATENCY_MS_MEDIAN": "20",
        "PAYMENT_LATENCY_SIGMA": "0.3",
        "PAYMENT_OUTCOME_MIX": "approve=60,decline=20,error=20",
        "PAYMENT_TIMEOUT_DELAY_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
    }
    processes = start([provider_service(port, redis_url, **env)], tmp_path / "logs")
    yield f"http://127.0.0.1:{port}"
    stop(processes)


def post_together(url: str, bodies: list[dict]) -> list[httpx.Response]:
    """POST every body at once, one thread and connection each, released by one barrier."""
    barrier = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    def send(i: int) -> None:
        with httpx.Client(base_url=url, timeout=30, trust_env=False) as http:
            barrier.wait(timeout=30)
            answers[i] = http.post("/charges", json=bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(a is not None for a in answers), "a request did not finish"
    return answers  # type: ignore[return-value]


def test_32_concurrent_identical_charges_through_the_service_charge_once(real_redis, provider_process):
    answers = post_together(provider_process, [charge_body("order-http", "30.00", card=None)] * CONCURRENT)
    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {200, 503}, statuses
    ok = [a.json() for a in answers if a.status_code == 200]
    assert ok and len({a["chargeId"] for a in ok}) == 1
    assert all(a == ok[0] for a in ok)
    ledger = httpx.get(f"{provider_process}/ledger", trust_env=False).json()
    assert [c["idempotencyKey"] for c in ledger["charges"]] == ["order-http"]
    assert ledger["charges"][0] == ok[0]
    metrics = httpx.get(f"{provider_process}/metrics", trust_env=False).text
    new = sum(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("payment_provider_charges_total{") and ('"approved"' in line or '"declined"' in line)
    )
    assert new == 1


def test_the_ledger_totals_agree_with_every_charge_under_concurrent_charges_and_refunds(real_redis, provider_process):
    bodies = []
    for i in range(60):
        card = DECLINE if i % 7 == 0 else ERROR if i % 11 == 0 else None
        bodies.append(charge_body(f"order-{i}", f"{i + 1}.{i % 100:02d}", card=card))
    answers = post_together(provider_process, bodies + bodies[:20])  # 20 keys twice, at once
    recorded = {a.json()["idempotencyKey"]: a.json() for a in answers if a.status_code == 200}
    assert all(a.status_code in (200, 503) for a in answers)

    approved = [k for k, c in recorded.items() if c["status"] == "approved"]
    to_refund = approved[: len(approved) // 2]

    def refund_twice(key: str) -> list[int]:
        with httpx.Client(base_url=provider_process, trust_env=False, timeout=30) as http:
            return [http.post(f"/charges/{key}/refund").status_code for _ in range(2)]

    threads = [threading.Thread(target=refund_twice, args=(k,)) for k in to_refund for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    ledger = httpx.get(f"{provider_process}/ledger?limit=1000", trust_env=False).json()
    listed = {c["idempotencyKey"]: c for c in ledger["charges"]}
    # Every answer given is what the ledger holds, and nothing else was recorded.
    assert set(listed) == set(recorded)
    assert all(listed[k]["chargeId"] == recorded[k]["chargeId"] for k in recorded)
    # Error-card keys were never recorded.
    assert not any(k for k in listed if int(k.split("-")[1]) % 11 == 0 and int(k.split("-")[1]) % 7 != 0)
    by_status = Counter(c["status"] for c in listed.values())
    totals = ledger["totals"]
    assert (totals["approved"], totals["declined"], totals["refunded"]) == (
        by_status["approved"],
        by_status["declined"],
        len(to_refund),
    )
    assert by_status["refunded"] == len(to_refund)

    def total(status: str) -> str:
        return str(sum((Decimal(c["amount"]) for c in listed.values() if c["status"] == status), Decimal("0.00")))

    assert totals["approvedAmount"] == total("approved")
    assert totals["refundedAmount"] == total("refunded")


def test_a_charge_survives_a_restart_of_the_app(real_redis, redis_url):
    """The state is Redis's: a new app (a restarted or another replica) answers the first record."""

    async def first(http, r):
        return (await http.post("/charges", json=charge_body("kept"))).json()

    async def second(http, r):
        return (await http.get("/charges/kept")).json(), (await http.post("/charges", json=charge_body("kept"))).json()

    recorded = run_on_real(redis_url, first)
    fetched, again = run_on_real(redis_url, second)
    assert fetched == again == recorded


def test_a_charge_past_its_recording_deadline_is_never_recorded(real_redis, redis_url):
    """A provider starved past PAYMENT_LATENCY_MAX_MS + the grace records nothing (503): a caller that
    gave up and waited that long may trust GET /charges/{key}."""
    slow = rules("approve=100", median_ms=10, sigma=0)
    slow = Rules(**{**slow.__dict__, "latency": Latency(10, 0, 20)})

    async def starved_sleep(seconds: float) -> None:
        await asyncio.sleep(slow.record_deadline_ms / 1000 + 0.2)

    async def main():
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            scripts = Scripts.register(client)
            late = await charges.charge(client, scripts, slow, "starved", 500, "EUR", None, sleep=starved_sleep)
            in_time = await charges.charge(client, scripts, slow, "starved", 500, "EUR", None)
            return late, in_time
        finally:
            await client.aclose()

    late, in_time = asyncio.run(main())
    assert late.verdict is Verdict.LATE and late.charge is None
    assert in_time.verdict is Verdict.RECORDED  # the retry, in time, records it: once
    assert real_redis.zcard(keys.LEDGER) == 1
