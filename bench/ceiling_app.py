"""The framework's ceiling: the gateway's HTTP exchanges with nothing behind them.

`python -m bench.ceiling_app` serves a bare Flask app under exactly the gateway's gunicorn
options (`api_gateway.gunicorn_config.options`, from the same settings and environment):
the same routes, the same request bodies parsed as JSON, answers of the same shape and size,
but no validation, no pricing, no Redis, no metrics. What the gateway achieves divided by what
this achieves is the share of the framework's capacity that the gateway's own work leaves.

With CEILING_REDIS_ROUND_TRIP=1, each POST /orders also makes one Redis round trip (a trivial
script, called as the gateway calls its enqueue step): the floor of any gateway that stores an order
in one call, so what the gateway's own work costs is its difference to this.
"""

from __future__ import annotations

import os

import redis
from flask import Flask, jsonify, request

from api_gateway.catalogue import load_catalogue
from api_gateway.direct_script import DirectScript
from api_gateway.settings import GatewaySettings
from ticketing_common.order_record import money
from ticketing_common.settings import load_settings

ORDER_ID = "6f1c2b1e-8d7a-4c1e-9b2a-2f4d5e6a7b8c"


def create_app(settings: GatewaySettings, redis_round_trip: bool = False) -> Flask:
    catalogue = load_catalogue(settings.catalogue_path)
    tickets = [
        {
            "id": t.id,
            "name": t.name,
            "type": t.type,
            "price": money(t.price),
            "currency": catalogue.currency,
            "description": t.description,
            "available": t.stock,
        }
        for t in catalogue.tickets
    ]
    first = catalogue.tickets[0]
    created = {
        "orderId": ORDER_ID,
        "status": "pending",
        "grandTotal": money(first.price * 2),
        "currency": catalogue.currency,
        "message": "Order received; it will be confirmed or rejected shortly.",
    }
    order = {
        "orderId": ORDER_ID,
        "customer": {"name": "Bench Customer 1", "email": "bench+1@example.com"},
        "items": [
            {
                "ticketId": first.id,
                "type": first.type,
                "qty": 2,
                "unitPrice": money(first.price),
                "total": money(first.price * 2),
            }
        ],
        "grandTotal": money(first.price * 2),
        "currency": catalogue.currency,
        "paymentMethod": "credit_card",
        "status": "confirmed",
        "createdAt": "2027-01-01T12:00:00.000Z",
        "decidedAt": "2027-01-01T12:00:00.004Z",
    }

    app = Flask(__name__)
    app.json.sort_keys = False
    store = None
    if redis_round_trip:
        store = DirectScript(redis.Redis.from_url(settings.redis_url), "return {'created', '0-1'}")

    @app.post("/orders")
    def create_order():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify({"error": "body: must be a JSON object"}), 400
        if store is not None:
            store(keys=[], args=[])
        response = jsonify(created)
        response.headers["Location"] = f"/orders/{ORDER_ID}"
        return response, 201

    @app.get("/orders/<order_id>")
    def read_order(order_id: str):
        return jsonify(order)

    @app.get("/tickets")
    def get_tickets():
        return jsonify({"tickets": tickets})

    @app.get("/readyz")
    def readyz():
        return jsonify({"status": "ready"})

    return app


def main() -> None:
    from api_gateway.gunicorn_config import run

    settings = load_settings(GatewaySettings, "ceiling")
    round_trip = os.environ.get("CEILING_REDIS_ROUND_TRIP", "") == "1"
    run(settings, lambda: create_app(settings, redis_round_trip=round_trip))


if __name__ == "__main__":
    main()
