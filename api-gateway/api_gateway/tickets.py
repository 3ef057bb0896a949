"""The spec's GET /tickets: one event's tickets (the default event's without a filter) with live
availability, filtered."""

from __future__ import annotations

from decimal import Decimal

import redis

from ticketing_common import keys

from .catalogue import CatalogueEvent
from .events import availability, ticket_view
from .models import Ticket


def list_tickets(
    client: redis.Redis,
    shards: keys.Shards,
    event: CatalogueEvent,
    type_: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
) -> list[Ticket]:
    chosen = [
        t
        for t in event.tickets
        if (type_ is None or t.type == type_)
        and (min_price is None or t.price >= min_price)
        and (max_price is None or t.price <= max_price)
    ]
    if not chosen:
        return []
    available = availability(client, shards, [event.model_copy(update={"tickets": chosen})])
    return [ticket_view(event, t, available.get(t.id, 0)) for t in chosen]
