"""A stand-in for the API gateway, run as its own process by the tests (see conftest.FakeGateway).

A process of its own, so that it does not share the generator's interpreter lock: on a busy
machine the two would otherwise slow each other down in ways a real gateway would not.

Speaks the gateway's API (GET /tickets, POST /orders, GET /orders/{id}) and records what
arrives. POST /_control changes its behaviour, GET /_record returns what it recorded.
Prints its port on stdout once listening; 127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TICKETS = [
    {
        "id": "adult",
        "name": "Adult",
        "type": "adult",
        "price": 40.0,
        "currency": "EUR",
        "description": "",
        "available": 100,
    },
    {
        "id": "student",
        "name": "Student",
        "type": "student",
        "price": 25.5,
        "currency": "EUR",
        "description": "",
        "available": 50,
    },
    {"id": "vip", "name": "VIP", "type": "vip", "price": 150.0, "currency": "EUR", "description": "", "available": 5},
    {
        "id": "gone",
        "name": "Sold out",
        "type": "adult",
        "price": 10.0,
        "currency": "EUR",
        "description": "",
        "available": 0,
    },
]


class State:
    """POST /orders answers 201 (pending) after `delay_s`, or the next of `statuses` (cycled) if set;
    `serial` serves one order at a time, like a saturated server. GET /orders/{id} answers pending
    until its `polls_to_decide`-th poll, then `rejected` if the order holds a ticket in `rejects`,
    else the status `card_outcomes` gives its card, else `final_status` (confirmed).

    The payment lifecycle: an order sent with payLater is `reserved` (holdExpiresAt `hold_s` later)
    until POST /orders/{id}/payment (202; the first `payment_conflicts` calls of each order answer
    409), then `paying` for one poll, then decided as above; unpaid past its hold, `expired`."""

    def __init__(self) -> None:
        self.delay_s = 0.0
        self.serial = False
        self.statuses: list[int] = []
        self.polls_to_decide = 2
        self.rejects: list[str] = []
        self.poll_delay_s = 0.0
        self.final_status = "confirmed"
        self.card_outcomes: dict[str, str] = {}
        self.hold_s = 2.0
        self.payment_conflicts = 0
        self.payments: list[dict] = []
        self.paid: dict[str, str | None] = {}  # order id -> the card number paid with
        self.pay_later: dict[str, float] = {}  # order id -> hold expiry (time.time())
        self.cards: dict[str, str | None] = {}
        self.payment_calls: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.serial_lock = threading.Lock()
        self.orders: list[dict] = []
        self.order_items: dict[str, list] = {}
        self.polls: Counter[str] = Counter()
        self.in_flight = self.max_in_flight = 0
        self.polls_in_flight = self.max_polls_in_flight = 0
        self.requests = 0  # every request but the test's own /_control and /_record

    def control(self, changes: dict) -> None:
        for key in (
            "delay_s",
            "serial",
            "statuses",
            "polls_to_decide",
            "rejects",
            "poll_delay_s",
            "final_status",
            "card_outcomes",
            "hold_s",
            "payment_conflicts",
        ):
            if key in changes:
                setattr(self, key, changes[key])

    def record(self) -> dict:
        with self.lock:
            return {
                "orders": list(self.orders),
                "orderItems": dict(self.order_items),
                "polls": dict(self.polls),
                "payments": list(self.payments),
                "maxInFlight": self.max_in_flight,
                "maxPollsInFlight": self.max_polls_in_flight,
                "requests": self.requests,
            }

    def create_order(self, body: dict, key: str | None) -> tuple[int, dict]:
        with self.lock:
            # CLOCK_MONOTONIC is system-wide, so the tests can compare these times with their own.
            self.orders.append({"at": time.monotonic(), "body": body, "key": key})
            status = self.statuses[(len(self.orders) - 1) % len(self.statuses)] if self.statuses else 201
            if status != 201:
                return status, {"error": "simulated"}
            order_id = str(uuid.uuid4())
            self.order_items[order_id] = body.get("items", [])
            self.cards[order_id] = (body.get("card") or {}).get("number")
            if body.get("payLater"):
                self.pay_later[order_id] = time.time() + self.hold_s
        return 201, {"orderId": order_id, "status": "pending", "grandTotal": 1.0, "currency": "EUR", "message": "ok"}

    def read_order(self, order_id: str) -> tuple[int, dict]:
        with self.lock:
            if order_id not in self.order_items:
                return 404, {"error": "not found"}
            self.polls[order_id] += 1
            if order_id in self.pay_later and order_id not in self.paid:
                expires = self.pay_later[order_id]
                at = datetime.fromtimestamp(expires, UTC).isoformat()
                status = "expired" if time.time() >= expires else "reserved"
                return 200, {"orderId": order_id, "status": status, "holdExpiresAt": at}
            if order_id in self.paid and self.polls[order_id] == 1:
                return 200, {"orderId": order_id, "status": "paying"}
            if order_id not in self.paid and self.polls[order_id] < self.polls_to_decide:
                return 200, {"orderId": order_id, "status": "pending"}
            rejected = any(i.get("ticketId") in self.rejects for i in self.order_items[order_id])
            card = self.paid.get(order_id) or self.cards.get(order_id)
            status = self.card_outcomes.get((card or "").replace(" ", ""), self.final_status)
            return 200, {"orderId": order_id, "status": "rejected" if rejected else status}

    def pay(self, order_id: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            self.payment_calls[order_id] += 1
            self.payments.append({"orderId": order_id, "body": body})
            if order_id not in self.order_items:
                return 404, {"error": "not found"}
            if order_id not in self.pay_later or order_id in self.paid:
                return 409, {"error": "not reserved"}
            if time.time() >= self.pay_later[order_id]:
                return 410, {"error": "hold expired"}
            if self.payment_calls[order_id] <= self.payment_conflicts:
                return 409, {"error": "still pending"}
            self.paid[order_id] = (body.get("card") or {}).get("number")
            self.polls[order_id] = 0  # "paying" on the next poll, then decided
            return 202, {"orderId": order_id, "status": "paying"}


def handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stalls

        def log_message(self, *args) -> None:
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 503:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict | None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                return json.loads(raw)
            except ValueError:
                return None

        def parse_request(self) -> bool:
            ok = super().parse_request()
            if ok and not self.path.startswith("/_"):
                with state.lock:
                    state.requests += 1
            return ok

        def do_GET(self) -> None:
            if self.path == "/tickets":
                return self._answer(200, {"tickets": TICKETS})
            if self.path == "/_record":
                return self._answer(200, state.record())
            if self.path.startswith("/orders/"):
                with state.lock:
                    state.polls_in_flight += 1
                    state.max_polls_in_flight = max(state.max_polls_in_flight, state.polls_in_flight)
                time.sleep(state.poll_delay_s)
                answer = state.read_order(self.path.removeprefix("/orders/"))
                with state.lock:
                    state.polls_in_flight -= 1
                return self._answer(*answer)
            self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            body = self._body()
            if self.path == "/_control":
                state.control(body or {})
                return self._answer(200, {"ok": True})
            if self.path.startswith("/orders/") and self.path.endswith("/payment"):
                order_id = self.path.removeprefix("/orders/").removesuffix("/payment")
                return self._answer(*state.pay(order_id, body or {}))
            if self.path != "/orders":
                return self._answer(404, {"error": "not found"})
            if not isinstance(body, dict):
                return self._answer(400, {"error": "body: must be a JSON object"})
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                if state.serial:
                    with state.serial_lock:
                        time.sleep(state.delay_s)
                        answer = state.create_order(body, self.headers.get("Idempotency-Key"))
                else:
                    time.sleep(state.delay_s)
                    answer = state.create_order(body, self.headers.get("Idempotency-Key"))
            finally:
                with state.lock:
                    state.in_flight -= 1
            self._answer(*answer)

    return Handler


class Server(ThreadingHTTPServer):
    request_queue_size = 1024  # a fake clock can open many connections at once
    daemon_threads = True
    block_on_close = False


def main() -> None:
    server = Server(("127.0.0.1", 0), handler(State()))
    print(server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
