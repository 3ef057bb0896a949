"""The catalogue as the API shows it: tickets with live availability, filtered."""

from __future__ import annotations

from decimal import Decimal

import redis

from ticketing_common import keys
from ticketing_common.order_record import money

from .catalogue import Catalogue
from .models import Ticket


def list_tickets(
    client: redis.Redis,
    catalogue: Catalogue,
    type_: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
) -> list[Ticket]:
    chosen = [
        t
        for t in catalogue.tickets
        if (type_ is None or t.type == type_)
        and (min_price is None or t.price >= min_price)
        and (max_price is None or t.price <= max_price)
    ]
    if not chosen:
        return []
    available = client.hmget(keys.STOCK, [t.id for t in chosen])
    return [
        Ticket(
            id=t.id,
            name=t.name,
            type=t.type,
            price=money(t.price),
            currency=catalogue.currency,
            description=t.description,
            available=int(a) if a is not None else 0,
        )
        for t, a in zip(chosen, available, strict=True)
    ]
