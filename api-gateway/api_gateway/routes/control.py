"""The operator's guard on the gateway's control endpoints (POST /system/reset, PUT /sales/{id}/room, ...)."""

from __future__ import annotations

from flask import request

from ticketing_common.control_auth import Refused, check_control, client_address

from ..errors import ApiError
from ..services import services


def require_operator(actions: str) -> None:
    """Raise ApiError 401/403 unless the caller may `actions`: ADMIN_TOKEN's bearer token, or loopback
    when ADMIN_TOKEN is unset (ticketing_common.control_auth)."""
    token = services().settings.admin_token
    try:
        check_control(
            request.headers.get("Authorization"),
            None if token is None else token.get_secret_value(),
            client_address(request.remote_addr, request.headers.get("X-Forwarded-For")),
            token_setting="ADMIN_TOKEN",
            service="the gateway",
            actions=actions,
        )
    except Refused as e:
        raise ApiError(e.status, e.message, headers=e.headers) from None
