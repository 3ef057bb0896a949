"""A stand-in for the API gateway, run as its own process by the tests (see conftest.FakeGateway).

A process of its own, so that it does not share the generator's interpreter lock: on a busy
machine the two would otherwise slow each other down in ways a real gateway would not.

Speaks the gateway's API (GET /tickets, POST /orders, GET /orders/{id}, and the waiting room's:
GET /sales, PUT /sales/{id}/room, POST/GET/DELETE /sales/{id}/queue[/{visitorId}]) and records what
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
    409), then `paying` for one poll, then decided as above; unpaid past its hold, `expired`.

    The waiting room of sale `sale_id` (`room_state`): a visitor who joins waits until its
    `polls_to_admit`-th status poll (0: admitted at the join); each waiting answer carries the next of
    `poll_after_ms` (by the visitor's polls so far, the last repeated). Admitted, it gets the token
    "tok.<visitorId>", good for `token_uses` orders: POST /orders with a token answers 401 when it is
    not one, 429 when used up (unless `statuses` says otherwise). `queue_delay_s` slows the queue's
    answers; PUT .../room answers `room_status`."""

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
        self.all_in_flight = self.max_all_in_flight = 0  # every request but /_control and /_record
        self.sale_id = "main"
        self.room_state = "open"
        self.room_status = 200
        self.polls_to_admit = 2
        self.poll_after_ms: list[int] = [50]
        self.token_uses = 1
        self.queue_delay_s = 0.0
        self.room_puts: list[dict] = []
        self.visitors: dict[str, dict] = {}  # visitorId -> {"joinedAt", "polls", "admitted", "left", "uses"}
        self.queue_polls: list[dict] = []  # {"visitorId", "at": time.monotonic()}

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
            "sale_id",
            "room_state",
            "room_status",
            "polls_to_admit",
            "poll_after_ms",
            "token_uses",
            "queue_delay_s",
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
                "maxAllInFlight": self.max_all_in_flight,
                "roomPuts": list(self.room_puts),
                "visitors": {k: dict(v) for k, v in self.visitors.items()},
                "queuePolls": list(self.queue_polls),
            }

    def create_order(self, body: dict, key: str | None, token: str | None = None) -> tuple[int, dict]:
        with self.lock:
            # CLOCK_MONOTONIC is system-wide, so the tests can compare these times with their own.
            self.orders.append({"at": time.monotonic(), "body": body, "key": key, "token": token})
            status = self.statuses[(len(self.orders) - 1) % len(self.statuses)] if self.statuses else 201
            if status != 201:
                return status, {"error": "simulated"}
            if token is not None:
                visitor = self.visitors.get(token.removeprefix("tok."))
                if not token.startswith("tok.") or visitor is None or not visitor["admitted"]:
                    return 401, {"error": "Admission-Token: bad signature"}
                if visitor["uses"] >= self.token_uses:
                    return 429, {"error": "Admission-Token: used up"}
                visitor["uses"] += 1
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

    # --- the waiting room ---------------------------------------------------------------------

    def visitor_status(self, visitor_id: str) -> dict:
        v = self.visitors[visitor_id]
        waiting = [k for k, w in self.visitors.items() if not w["admitted"] and not w["left"]]
        admitted = v["admitted"]
        ahead = None if admitted else waiting.index(visitor_id)
        return {
            "visitorId": visitor_id,
            "saleId": self.sale_id,
            "status": "admitted" if admitted else "waiting",
            "position": None if admitted else ahead + 1,
            "ahead": ahead,
            "queueLength": len(waiting),
            "admissionRatePerSecond": 10.0,
            "estimatedWaitSeconds": None if admitted else (ahead or 0) / 10,
            "pollAfterMs": self.poll_after_ms[min(v["polls"], len(self.poll_after_ms) - 1)],
            "opensAt": None,
            "roomState": self.room_state,
            "admissionToken": f"tok.{visitor_id}" if admitted else None,
            "tokenExpiresAt": None,
            "usesLeft": self.token_uses - v["uses"] if admitted else None,
        }

    def join(self, sale_id: str) -> tuple[int, dict]:
        with self.lock:
            if sale_id != self.sale_id:
                return 404, {"error": f"no sale {sale_id!r}"}
            if self.room_state in ("off", "closed"):
                return 409, {"error": f"the waiting room is {self.room_state}"}
            visitor_id = str(uuid.uuid4())
            self.visitors[visitor_id] = {
                "joinedAt": time.monotonic(),
                "polls": 0,
                "admitted": self.polls_to_admit == 0,
                "left": False,
                "uses": 0,
            }
            return 201, self.visitor_status(visitor_id)

    def poll_visitor(self, sale_id: str, visitor_id: str) -> tuple[int, dict]:
        with self.lock:
            v = self.visitors.get(visitor_id)
            if sale_id != self.sale_id or v is None or v["left"]:
                return 404, {"error": "not in the queue"}
            self.queue_polls.append({"visitorId": visitor_id, "at": time.monotonic()})
            v["polls"] += 1
            if v["polls"] >= self.polls_to_admit:
                v["admitted"] = True
            return 200, self.visitor_status(visitor_id)

    def leave(self, sale_id: str, visitor_id: str) -> int:
        with self.lock:
            v = self.visitors.get(visitor_id)
            if sale_id != self.sale_id or v is None or v["left"]:
                return 404
            v["left"] = True
            return 204

    def put_room(self, sale_id: str, body: dict, authorization: str | None) -> tuple[int, dict]:
        with self.lock:
            self.room_puts.append({"saleId": sale_id, "body": body, "authorization": authorization})
            if sale_id != self.sale_id:
                return 404, {"error": f"no sale {sale_id!r}"}
            if self.room_status != 200:
                return self.room_status, {"error": "simulated"}
            self.room_state = body.get("state", self.room_state)
            return 200, {"saleId": sale_id, "state": self.room_state}


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
            self._untrack()
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

        def _queue_path(self) -> tuple[str, str | None] | None:
            """(sale id, visitor id or None) of a /sales/{id}/queue[/{visitorId}] path."""
            parts = self.path.split("/")
            if len(parts) >= 4 and parts[1] == "sales" and parts[3] == "queue" and len(parts) <= 5:
                return parts[2], parts[4] if len(parts) == 5 else None
            return None

        def _tracked(self, work) -> None:
            with state.lock:
                state.all_in_flight += 1
                state.max_all_in_flight = max(state.max_all_in_flight, state.all_in_flight)
            self._tracking = True
            try:
                work()
            finally:
                self._untrack()

        def _untrack(self) -> None:
            # Called just before a response's last write too: once the client has the whole answer it may
            # send its next request, which must not find this one still counted as in flight.
            if getattr(self, "_tracking", False):
                self._tracking = False
                with state.lock:
                    state.all_in_flight -= 1

        def _no_content(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self._untrack()
            self.end_headers()

        def do_PUT(self) -> None:
            body = self._body()
            parts = self.path.split("/")
            if len(parts) == 4 and parts[1] == "sales" and parts[3] == "room":
                return self._tracked(
                    lambda: self._answer(*state.put_room(parts[2], body or {}, self.headers.get("Authorization")))
                )
            self._answer(404, {"error": "not found"})

        def do_DELETE(self) -> None:
            queue = self._queue_path()
            if queue is None or queue[1] is None:
                return self._answer(404, {"error": "not found"})

            def work() -> None:
                time.sleep(state.queue_delay_s)
                status = state.leave(*queue)
                if status == 204:
                    return self._no_content(204)
                self._answer(status, {"error": "not in the queue"})

            self._tracked(work)

        def do_GET(self) -> None:
            if self.path == "/tickets":
                return self._answer(200, {"tickets": TICKETS})
            if self.path == "/sales":
                sale = {"saleId": state.sale_id, "name": "Fake sale", "opensAt": None, "open": True}
                return self._answer(200, {"sales": [sale | {"room": {"state": state.room_state}}]})
            queue = self._queue_path()
            if queue is not None and queue[1] is not None:

                def work() -> None:
                    time.sleep(state.queue_delay_s)
                    self._answer(*state.poll_visitor(*queue))

                return self._tracked(work)
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
            queue = self._queue_path()
            if queue is not None and queue[1] is None:

                def work() -> None:
                    time.sleep(state.queue_delay_s)
                    self._answer(*state.join(queue[0]))

                return self._tracked(work)
            if self.path != "/orders":
                return self._answer(404, {"error": "not found"})
            self._tracked(lambda: self._post_order(body))

        def _post_order(self, body: dict | None) -> None:
            if not isinstance(body, dict):
                return self._answer(400, {"error": "body: must be a JSON object"})
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                if state.serial:
                    with state.serial_lock:
                        time.sleep(state.delay_s)
                        answer = state.create_order(body, *self._order_headers())
                else:
                    time.sleep(state.delay_s)
                    answer = state.create_order(body, *self._order_headers())
            finally:
                with state.lock:
                    state.in_flight -= 1
            self._answer(*answer)

        def _order_headers(self) -> tuple[str | None, str | None]:
            return self.headers.get("Idempotency-Key"), self.headers.get("Admission-Token")

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
