"""A reference point: a minimal implementation of the spec's POST /orders, as a course would write it.

`python -m bench.reference_app` serves a Flask app under exactly the gateway's gunicorn options
(`api_gateway.gunicorn_config.options`, from the same settings and environment) whose POST /orders
does what the spec asks and nothing more, in three Redis round trips:

1. HMGET the ticket types' live stock (the spec's "check availability" before accepting),
2. HSET the order hash (status pending, the items priced from the catalogue in memory),
3. XADD its id to the order stream.

No validation beyond the spec's required fields, no idempotency, no backpressure, no atomic step
(a crash between 2 and 3 leaves an order that is never decided), no metrics. What the gateway
achieves next to this is what its guarantees cost, or save.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import redis
from flask import Flask, jsonify, request

from api_gateway.catalogue import load_catalogue
from api_gateway.settings import GatewaySettings
from ticketing_common import keys
from ticketing_common.order_record import money
from ticketing_common.settings import load_settings


def create_app(settings: GatewaySettings) -> Flask:
    catalogue = load_catalogue(settings.catalogue_path)
    tickets = {t.id: t for t in catalogue.tickets}
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)

    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Flask's default provider has it

    @app.post("/orders")
    def create_order():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not {"customer", "items", "paymentMethod"} <= body.keys():
            return jsonify({"error": "customer, items and paymentMethod are required"}), 400
        items = []
        for item in body["items"]:
            ticket = tickets.get(item.get("ticketId"))
            if ticket is None:
                return jsonify({"error": f"unknown ticket {item.get('ticketId')!r}"}), 400
            qty = int(item.get("qty", 0))
            items.append(
                {
                    "ticketId": ticket.id,
                    "type": ticket.type,
                    "qty": qty,
                    "unitPrice": money(ticket.price),
                    "total": money(ticket.price * qty),
                }
            )
        available = client.hmget(keys.STOCK, [i["ticketId"] for i in items])
        for item, left in zip(items, available, strict=True):
            if left is None or int(left) < item["qty"]:
                return jsonify({"error": f"{item['ticketId']}: not enough tickets left"}), 409
        order_id = str(uuid.uuid4())
        total = round(sum(i["total"] for i in items), 2)
        customer = body["customer"]
        client.hset(
            keys.order_key(order_id),
            mapping={
                "orderId": order_id,
                "customerName": str(customer.get("name", "")),
                "customerEmail": str(customer.get("email", "")),
                "paymentMethod": str(body["paymentMethod"]),
                "items": json.dumps(items),
                "grandTotal": f"{total:.2f}",
                "currency": catalogue.currency,
                "status": "pending",
                "createdAt": datetime.now(UTC).isoformat(),
            },
        )
        client.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: order_id})
        response = jsonify(
            {
                "orderId": order_id,
                "status": "pending",
                "grandTotal": total,
                "currency": catalogue.currency,
                "message": "Order received; it will be confirmed or rejected shortly.",
            }
        )
        response.headers["Location"] = f"/orders/{order_id}"
        return response, 201

    @app.get("/readyz")
    def readyz():
        client.ping()
        return jsonify({"status": "ready"})

    return app


def main() -> None:
    from api_gateway.gunicorn_config import run

    settings = load_settings(GatewaySettings, "reference")
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
