"""The ticket catalogue: loaded from a JSON file, and the stock it initialises in Redis."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import redis
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, model_validator

from ticketing_common import keys, order_record


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message says why, in one line."""


class CatalogueTicket(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    name: Annotated[str, Field(min_length=1)]
    type: Annotated[str, Field(min_length=1)]
    price: Annotated[Decimal, Field(ge=0, decimal_places=2)]
    stock: Annotated[int, Field(ge=0)]
    description: str = ""


class Catalogue(BaseModel):
    event: dict = Field(default_factory=dict)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    tickets: Annotated[list[CatalogueTicket], Field(min_length=1)]
    _by_id: dict[str, CatalogueTicket] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Catalogue":
        ids = [t.id for t in self.tickets]
        if len(ids) != len(set(ids)):
            raise ValueError("ticket ids must be unique")
        return self

    def model_post_init(self, context: object) -> None:
        self._by_id = {t.id: t for t in self.tickets}

    def ticket(self, ticket_id: str) -> CatalogueTicket | None:
        return self._by_id.get(ticket_id)


def load_catalogue(path: Path) -> Catalogue:
    try:
        return Catalogue.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as e:
        raise CatalogueError(f"cannot read catalogue {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise CatalogueError(f"catalogue {path} is not JSON: {e}") from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogueError(f"catalogue {path}: {where}: {first['msg']}") from None


def initialise_stock(client: redis.Redis, catalogue: Catalogue) -> int:
    """Give every catalogue ticket its initial stock, unless it already has one.

    Idempotent, so that restarting the gateway or running many replicas never resets
    stock that was sold: HSETNX writes a ticket's stock only where none exists, and
    the initial stock beside it in the same transaction, so the two always agree.
    Returns how many tickets were initialised now.
    """
    pipe = client.pipeline(transaction=True)
    for t in catalogue.tickets:
        pipe.hsetnx(keys.STOCK, t.id, t.stock)
        pipe.hsetnx(keys.STOCK_INITIAL, t.id, t.stock)
    results = pipe.execute()
    return sum(results[0::2])


def reset_demo(client: redis.Redis, catalogue: Catalogue) -> int:
    """Delete every order, the order streams and the stock, then initialise it afresh.

    An explicit operator action (``python -m api_gateway reset-demo``), never done at start.
    Safe while orders arrive and workers decide: one transaction increments the stock
    generation, drops the streams and resets the stock. Every order is stamped with the
    generation it was accepted in (enqueue_order.lua), and decide_order.lua only acknowledges
    an order of another generation ('stale'), so an order read before the reset can never be
    decided against the fresh stock. Then only the order hashes of older generations are
    deleted; an order accepted after the transaction is kept and decided normally.
    Returns the number of orders deleted.
    """
    pipe = client.pipeline(transaction=True)
    pipe.incr(keys.GENERATION)
    pipe.unlink(keys.ORDER_STREAM, keys.DEAD_LETTER_STREAM, keys.STOCK, keys.STOCK_INITIAL, keys.STOCK_SOLD)
    for t in catalogue.tickets:
        pipe.hset(keys.STOCK, t.id, t.stock)
        pipe.hset(keys.STOCK_INITIAL, t.id, t.stock)
    generation = pipe.execute()[0]
    deleted = 0
    batch: list[str] = []
    for key in client.scan_iter(match=keys.order_key("*"), count=1000):
        batch.append(key)
        if len(batch) == 1000:
            deleted += _delete_older(client, batch, generation)
            batch.clear()
    if batch:
        deleted += _delete_older(client, batch, generation)
    return deleted


def _delete_older(client: redis.Redis, order_keys: list[str], generation: int) -> int:
    """Delete the orders among `order_keys` stamped with a generation before `generation`.

    An order's generation never changes once written, so reading it, then deleting, is safe.
    """
    pipe = client.pipeline(transaction=False)
    for key in order_keys:
        pipe.hget(key, order_record.GENERATION)
    older = [k for k, g in zip(order_keys, pipe.execute()) if int(g or 0) < generation]
    return client.unlink(*older) if older else 0
