"""What the generator asks of the gateway besides orders: the ticket list, and how a failed request is classed."""

from __future__ import annotations

import httpx

from .clients import HttpClient
from .config import TicketWeight


class TargetError(Exception):
    """The target cannot be used to start a run (unreachable, or no usable ticket list)."""


async def tickets_on_sale(client: HttpClient, target_api: str, timeout_s: float) -> list[TicketWeight]:
    """The mix's tickets from GET /tickets: every ticket with stock, equal weights.

    If everything is sold out, all tickets (each order is then rejected as sold out,
    which is still load on the order path).
    """
    url = f"{target_api}/tickets"
    try:
        response = await client.get(url, timeout=timeout_s)
    except httpx.HTTPError as e:
        raise TargetError(f"targetApi: GET {url} failed: {type(e).__name__}: {e}".rstrip(": ")) from None
    if response.status_code != 200:
        raise TargetError(f"targetApi: GET {url} answered {response.status_code}")
    try:
        listed = [t for t in response.json()["tickets"] if isinstance(t, dict) and isinstance(t.get("id"), str)]
    except (ValueError, KeyError, TypeError):
        raise TargetError(f"targetApi: GET {url} did not return a ticket list") from None
    if not listed:
        raise TargetError(f"targetApi: GET {url} lists no tickets")
    on_sale = [t for t in listed if isinstance(t.get("available"), int) and t["available"] > 0] or listed
    return [TicketWeight(ticketId=t["id"][:64], weight=1.0) for t in on_sale]


def error_kind(error: BaseException) -> str:
    """timeout, connection or other: the byError key of a request that got no HTTP response."""
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, (httpx.NetworkError, httpx.RemoteProtocolError)):
        return "connection"
    return "other"
