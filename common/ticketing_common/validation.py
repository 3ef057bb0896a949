"""How a service names the request field a validation error is about."""

from __future__ import annotations

from collections.abc import Sequence


def field_path(loc: Sequence[str | int]) -> str:
    """pydantic's ('items', 0, 'qty') -> 'items[0].qty', the way a client names the field."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path
