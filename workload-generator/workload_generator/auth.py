"""Bearer-token guard for the control endpoints (start, stop, PUT /config); reads stay open."""

from __future__ import annotations

import hmac


def authorized(header: str | None, token: str | None) -> bool:
    """True if no token is configured, or `header` is "Bearer <token>" (compared in constant time)."""
    if token is None:
        return True
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
