"""A tiny payment provider for tests, following the contract's HTTP API (see /work/briefs or the README):
idempotent by key (even concurrently), test card numbers, an outcome mix seeded per key and attempt,
503s that record nothing, and "timeouts" that record the charge and answer late.

It runs in a thread of the test process on 127.0.0.1 (http.server), so real worker processes can use
it too. `FakeProvider.charges` is its ledger; `posts` counts charge calls per key.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

APPROVE, DECLINE, ERROR, TIMEOUT = "4242424242424242", "4000000000000002", "4000000000000119", "4000000000003220"
CARD_OUTCOMES = {APPROVE: "approve", DECLINE: "decline", ERROR: "error", TIMEOUT: "timeout"}


@dataclass
class FakeProvider:
    mix: dict[str, int] = field(default_factory=lambda: {"approve": 100})
    latency_s: float = 0.0
    timeout_delay_s: float = 3.0
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: Counter = field(default_factory=Counter)
    lookups: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def outcome(self, key: str, card: str | None) -> str:
        if card in CARD_OUTCOMES:
            return CARD_OUTCOMES[card]
        rng = random.Random(f"{key}:{self.posts[key]}")  # a retry of an error may differ
        names = list(self.mix)
        return rng.choices(names, weights=[self.mix[n] for n in names])[0]

    def charge(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        """(status code, body, seconds to wait before answering)."""
        key, amount = body["idempotencyKey"], str(Decimal(body["amount"]))
        with self.lock:
            self.posts[key] += 1
            seen = self.charges.get(key)
            if seen is not None:
                if seen["amount"] != amount:
                    return 409, {"error": "idempotencyKey: used before with another amount"}, 0
                return 200, seen, self.latency_s
            outcome = self.outcome(key, (body.get("cardNumber") or "").replace(" ", "") or None)
            if outcome == "error":
                return 503, {"error": "simulated processing error"}, self.latency_s
            record = {
                "chargeId": f"ch_{len(self.charges) + 1}",
                "idempotencyKey": key,
                "status": "declined" if outcome == "decline" else "approved",
                "amount": amount,
                "currency": body["currency"],
                "createdAt": datetime.now(UTC).isoformat(),
            }
            self.charges[key] = record
        return 200, record, self.timeout_delay_s if outcome == "timeout" else self.latency_s

    def refund(self, key: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            seen = self.charges.get(key)
            if seen is None:
                return 404, {"error": f"no charge for {key}"}
            if seen["status"] == "declined":
                return 409, {"error": "a declined charge cannot be refunded"}
            seen["status"] = "refunded"
            return 200, seen

    def approved_keys(self) -> set[str]:
        return {k for k, c in self.charges.items() if c["status"] == "approved"}

    def refunded_keys(self) -> set[str]:
        return {k for k, c in self.charges.items() if c["status"] == "refunded"}


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, delay: float = 0) -> None:
            if delay:
                time.sleep(delay)
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timed out) or died meanwhile
                pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:  # a client killed mid-request (the SIGKILL tests) sent half a body
                body = {}
            if self.path == "/charges":
                if not isinstance(body.get("idempotencyKey"), str) or "amount" not in body:
                    self._answer(422, {"error": "idempotencyKey and amount are required"})
                    return
                self._answer(*provider.charge(body))
            elif self.path.startswith("/charges/") and self.path.endswith("/refund"):
                self._answer(*provider.refund(self.path.split("/")[2]))
            else:
                self._answer(404, {"error": "not found"})

        def do_GET(self) -> None:
            if self.path.startswith("/charges/"):
                with provider.lock:
                    provider.lookups[self.path.split("/")[2]] += 1
                    seen = provider.charges.get(self.path.split("/")[2])
                self._answer(200, seen) if seen else self._answer(404, {"error": "no such charge"})
            elif self.path == "/healthz":
                self._answer(200, {"status": "ok"})
            else:
                self._answer(404, {"error": "not found"})

    return Handler


class RunningProvider:
    """Context manager: the provider served on a free loopback port."""

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
        self.server.daemon_threads = True
        provider.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self.provider

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
