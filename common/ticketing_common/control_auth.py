"""Who may change the system: the guard of the control endpoints every service shares (the generator's
start, stop and PUT /config; the gateway's POST /system/reset). Reads stay open.

With a token configured (WORKLOAD_TOKEN, ADMIN_TOKEN), a caller needs "Authorization: Bearer <token>".
Without one, only a caller on loopback may: anonymous control from the network would make the
generator an open relay, and let anyone wipe the gateway's orders. Behind `make up`'s Nginx the peer
is Nginx itself, on loopback: that is safe because that Nginx listens on 127.0.0.1 only, and when
HOST opens it to the network, the address Nginx forwards is the one checked (client_address for the
gateway; uvicorn's FORWARDED_ALLOW_IPS for the generator), so a remote browser is not loopback.
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


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The caller's address behind a proxy on loopback: the last X-Forwarded-For entry, which the proxy
    (nginx's $proxy_add_x_forwarded_for) appended itself; the peer otherwise. Entries further left
    are the client's own claims and never trusted; a header from a peer off loopback neither.

    So when `HOST=0.0.0.0 make up` opens Nginx to the network, a browser elsewhere is not on loopback
    merely because Nginx, on loopback, relays it (what uvicorn's FORWARDED_ALLOW_IPS does for the generator).
    """
    if forwarded_for and is_loopback(peer):
        last = forwarded_for.rsplit(",", 1)[-1].strip()
        return last or peer
    return peer


def check_control(
    header: str | None,
    token: str | None,
    peer: str | None,
    *,
    token_setting: str = "WORKLOAD_TOKEN",
    service: str = "the generator",
    actions: str = "start, stop or reconfigure",
) -> None:
    """Raise Refused (401 wrong or missing token, 403 anonymous and not on loopback) unless allowed.

    `token_setting`, `service` and `actions` only word the 403: which setting opens control from the network.
    """
    if token is None:
        if not is_loopback(peer):
            raise Refused(
                403,
                f"control from {peer or 'an unknown address'} needs {token_setting} to be set "
                f"on {service}; without it only loopback may {actions}",
            )
        return
    if not authorized(header, token):
        raise Refused(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
