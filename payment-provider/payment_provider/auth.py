"""Who may change the ledger (POST /charges, refunds); reads stay open.

With PAYMENT_TOKEN set, a caller needs "Authorization: Bearer <token>". Without it only loopback
callers may (`make up`, where the workers run beside it): a charge endpoint open to the network
would let anyone write the ledger. In a cluster the NetworkPolicy lets only the order workers in.
"""

from __future__ import annotations

import hmac
import ipaddress


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def check_write(header: str | None, token: str | None, peer: str | None) -> None:
    """Raise Refused (401 wrong or missing token, 403 anonymous and not on loopback) unless allowed."""
    if token is None:
        if not is_loopback(peer):
            raise Refused(
                403,
                f"charges from {peer or 'an unknown address'} need PAYMENT_TOKEN to be set on the provider; "
                "without it only loopback callers may charge or refund",
            )
        return
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Refused(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
