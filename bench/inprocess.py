"""The app's own CPU per POST /orders: the Flask app called through WSGI in one process, no gunicorn.

`python -m bench.inprocess --redis-url URL --catalogue PATH --target NAME [--requests N]` prints one
JSON line: the process CPU (user + system, `time.process_time`) per request, best of 5 rounds of N
requests, for one target:

- `gateway`: the gateway's app as `python -m api_gateway` builds it, on a real Redis;
- `gateway-no-redis`: the same app with the enqueue step answered in the process (what the request
  costs without its one Redis call: the rest is validation, pricing, the record, metrics, Flask);
- `ceiling`: bench/ceiling_app.py's app (Flask's exchange with nothing behind it).

gunicorn, HTTP parsing and the sockets to the client are not in these figures: the gateway
benchmark's server CPU per order is these plus that. The difference between the first two is the
Redis call's client side; between the last two, the gateway's own Python.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time

from .fixtures import TICKET_IDS

TARGETS = ("gateway", "gateway-no-redis", "ceiling")


def _body(seq: int) -> bytes:
    return json.dumps(
        {
            "customer": {"name": f"Bench Customer {seq}", "email": f"bench+{seq}@example.com"},
            "items": [{"ticketId": TICKET_IDS[seq % len(TICKET_IDS)], "qty": 1 + seq % 3}],
            "paymentMethod": "credit_card",
        }
    ).encode()


def _environ(body: bytes) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/orders",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _app(target: str):
    if target == "ceiling":
        from api_gateway.settings import GatewaySettings

        from .ceiling_app import create_app

        return create_app(GatewaySettings())
    from api_gateway.app import create_app

    app = create_app()
    if target == "gateway-no-redis":
        services = app.extensions["ticketing"]
        services.enqueue_order = lambda keys, args, client=None: ["created", "0-1"]
    return app


def measure(target: str, requests: int, rounds: int = 5) -> dict:
    app = _app(target)
    statuses: dict[str, int] = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        statuses[status] = statuses.get(status, 0) + 1

    bodies = [_body(i) for i in range(requests)]

    def run() -> None:
        for body in bodies:
            for _ in app(_environ(body), start_response):
                pass

    run()  # warm-up: imports, connections, caches
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        run()
        per_round.append((time.process_time() - started) / requests * 1e6)
    return {
        "target": target,
        "cpu_us_per_request": round(min(per_round), 1),
        "cpu_us_per_round": [round(x, 1) for x in per_round],
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--catalogue", required=True)
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    os.environ.update(
        REDIS_URL=args.redis_url,
        CATALOGUE_PATH=args.catalogue,
        MAX_STREAM_BACKLOG="0",  # no bound: no worker drains the stream here
        STOCK_CHECK_INTERVAL_SECONDS="0",
        ROOM_TICK_INTERVAL_SECONDS="0",
    )
    print(json.dumps(measure(args.target, args.requests)))


if __name__ == "__main__":
    main()
