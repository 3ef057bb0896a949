"""The ticket catalogue: its model, loaded and validated from a JSON file."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, model_validator

DEFAULT_SALE_ID = "main"
SALE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


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
    def _unique_ids(self) -> Catalogue:
        ids = [t.id for t in self.tickets]
        if len(ids) != len(set(ids)):
            raise ValueError("ticket ids must be unique")
        sale_id = self.event.get("id", DEFAULT_SALE_ID)
        if not isinstance(sale_id, str) or not SALE_ID.fullmatch(sale_id) or sale_id == "secret":
            # "secret": its room hash would be ticketing:room:secret, the token secret's key.
            raise ValueError("event.id must be 1 to 64 letters, digits, '.', '_' or '-' (and not 'secret')")
        return self

    @property
    def sale_id(self) -> str:
        """The sale's id (one sale per catalogue for now): the event's id, "main" without one."""
        return self.event.get("id", DEFAULT_SALE_ID)

    @property
    def sale_name(self) -> str:
        return str(self.event.get("name", self.sale_id))

    def model_post_init(self, context: object) -> None:
        self._by_id = {t.id: t for t in self.tickets}

    def ticket(self, ticket_id: str) -> CatalogueTicket | None:
        return self._by_id.get(ticket_id)

    @property
    def types(self) -> list[str]:
        """The ticket types, each once, in catalogue order."""
        return list(dict.fromkeys(t.type for t in self.tickets))


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
