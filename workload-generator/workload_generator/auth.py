"""Who may drive the load: the guard of the control endpoints (start, stop, PUT /config); reads stay open.

With WORKLOAD_TOKEN set, a caller needs "Authorization: Bearer <token>". Without it, only a caller on
loopback may: the generator sends load where it is told, so anonymous control from the network would
make it an open relay. (Behind a proxy, uvicorn takes the client from X-Forwarded-For only when the
proxy itself is on loopback, FORWARDED_ALLOW_IPS; so `make up`'s nginx passes on the browser's address.)
"""

from __future__ import annotations

import hmac
import ipaddress


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def authorized(header: str | None, token: str | None) -> bool:
    """True if no token is configured, or `header` is "Bearer <token>" (compared in constant time)."""
    if token is None:
        return True
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def check_control(header: str | None, token: str | None, peer: str | None) -> None:
    """Raise Refused (401 wrong or missing token, 403 anonymous and not on loopback) unless allowed."""
    if token is None:
        if not is_loopback(peer):
            raise Refused(
                403,
                f"control from {peer or 'an unknown address'} needs WORKLOAD_TOKEN to be set "
                "on the generator; without it only loopback may start, stop or reconfigure",
            )
        return
    if not authorized(header, token):
        raise Refused(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
