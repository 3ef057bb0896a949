"""Every family on the real services' /metrics follows Prometheus' conventions and is in the contract.

The services run as `make up` runs them (gunicorn gateway, a worker, the generator, the payment provider,
the live updates), after some
traffic of every kind, so that labelled families have children to check.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.system.conftest import CATALOGUE
from tools import stack
from tools.redis_server import free_port

from .contract import CONTRACT, COUNTER, HISTOGRAM

pytestmark = pytest.mark.system

# Units Prometheus does not want (base units only: seconds, bytes) and suffixes reserved for the types.
NOT_BASE_UNITS = re.compile(
    r"_(ms|milliseconds|microseconds|us|ns|minutes|hours|kb|mb|kilobytes|megabytes|percent)(_|$)"
)
# Highest number of children a label may have here: ids, emails or paths as values would exceed it.
MAX_CHILDREN = 40


def order(ticket: str = "alpha", qty: int = 1) -> dict:
    return {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": ticket, "qty": qty}],
        "paymentMethod": "credit_card",
    }


def convention_problems(service: str, text: str) -> list[str]:
    problems = []
    expected = CONTRACT[service]
    seen = set()
    for family in text_string_to_metric_families(text):
        # The parser names counters without `_total`; the contract names what Prometheus stores.
        name = family.name + "_total" if family.type == COUNTER else family.name
        seen.add(name)
        if name not in expected:
            problems.append(f"{service}: {name} ({family.type}) is not in the monitoring contract")
            continue
        kind, labels = expected[name]
        if family.type != kind:
            problems.append(f"{service}: {name} is a {family.type}, the contract says {kind}")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or NOT_BASE_UNITS.search(name):
            problems.append(f"{service}: {name}: snake_case and base units only")
        if family.type != COUNTER and name.endswith("_total"):
            problems.append(f"{service}: {name}: only counters end in _total")
        if family.type == HISTOGRAM and not name.endswith("_seconds"):
            problems.append(f"{service}: {name}: a duration histogram is in _seconds")
        children = set()
        for sample in family.samples:
            suffix = sample.name.removeprefix(family.name)
            allowed = {COUNTER: {"_total"}, HISTOGRAM: {"_bucket", "_sum", "_count"}}.get(family.type, {""})
            if suffix not in allowed:
                problems.append(f"{service}: sample {sample.name} ({family.type}): not one of {sorted(allowed)}")
            own = set(sample.labels) - {"le"}
            if own != labels:
                problems.append(
                    f"{service}: {sample.name} has labels {sorted(own)}, the contract says {sorted(labels)}"
                )
            children.add(tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le")))
        if len(children) > MAX_CHILDREN:
            problems.append(f"{service}: {name} has {len(children)} children: an unbounded label?")
    problems += [f"{service}: {name} is in the contract but not exported" for name in sorted(set(expected) - seen)]
    return problems


@pytest.fixture
def services(system):
    """Gateway, one worker and the generator, after orders of every kind (confirmed, rejected, a
    replay, bad input, 404s on random paths) and a short generator run that followed its orders."""
    gateway = system.start_gateway()
    _, worker = system.start_worker("worker-1", WORKER_BLOCK_MS="200")
    port = free_port()
    system.processes += stack.start([stack.generator_service(port, gateway)], system.workdir / "logs")
    generator = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=10) as client:
        assert client.post(f"{gateway}/orders", json=order()).status_code == 201
        assert client.post(f"{gateway}/orders", json=order("delta", 10)).status_code == 201
        for _ in range(2):
            assert client.post(f"{gateway}/orders", json=order(), headers={"Idempotency-Key": "k-1"}).status_code == 201
        assert client.post(f"{gateway}/orders", json={"items": []}).status_code == 400
        for i in range(50):  # 100 different paths: a route label holding paths exceeds MAX_CHILDREN
            assert client.get(f"{gateway}/no-such-{i}").status_code == 404
            assert client.get(f"{gateway}/orders/missing-{i}").status_code == 404
        assert client.post(f"{generator}/start", json={"rps": 20, "durationS": 2}).status_code in (200, 201, 202)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stats = client.get(f"{generator}/stats").json()
            decisions = stats.get("decisions", {})
            if not stats.get("running") and stats.get("requests", {}).get("sent") and not decisions.get("pending"):
                break
            time.sleep(0.2)
        # The payment provider: a charge of each outcome, a replay, a conflict, a refund.
        port = free_port()
        system.processes += stack.start(
            [
                stack.provider_service(
                    port, system.redis_url, PAYMENT_LATENCY_MS_MEDIAN="1", PAYMENT_TIMEOUT_DELAY_SECONDS="0"
                )
            ],
            system.workdir / "logs",
        )
        provider = f"http://127.0.0.1:{port}"
        for key, card in (("p1", "4242424242424242"), ("p2", "4000000000000002"), ("p3", "4000000000000119")):
            charge = {"idempotencyKey": key, "amount": "5.00", "currency": "EUR", "cardNumber": card}
            client.post(f"{provider}/charges", json=charge)
        client.post(f"{provider}/charges", json={"idempotencyKey": "p1", "amount": "5.00", "currency": "EUR"})
        client.post(f"{provider}/charges", json={"idempotencyKey": "p1", "amount": "6.00", "currency": "EUR"})
        assert client.post(f"{provider}/charges/p1/refund").status_code == 200
        # The live updates, with a stream opened and closed (its channel's children exist from the start).
        port = free_port()
        system.processes += stack.start([stack.live_service(port, system.redis_url, gateway)], system.workdir / "logs")
        live = f"http://127.0.0.1:{port}"
        with client.stream("GET", f"{live}/stock") as response:
            assert response.status_code == 200
    return {
        "api-gateway": gateway,
        "order-worker": worker,
        "workload-generator": generator,
        "payment-provider": provider,
        "live-updates": live,
    }


def test_every_exported_family_follows_the_conventions_and_the_contract(services):
    problems = []
    with httpx.Client(timeout=10) as client:
        for service, url in services.items():
            response = client.get(f"{url}/metrics")
            assert response.status_code == 200
            problems += convention_problems(service, response.text)
    assert problems == []


def test_stock_is_reported_for_every_ticket_of_the_catalogue(services):
    text = httpx.get(f"{services['api-gateway']}/metrics").text
    [drift] = [f for f in text_string_to_metric_families(text) if f.name == "ticketing_stock_drift_tickets"]
    assert {s.labels["ticket_id"]: s.value for s in drift.samples} == {t["id"]: 0.0 for t in CATALOGUE["tickets"]}
