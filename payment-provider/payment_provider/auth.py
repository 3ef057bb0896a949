"""Who may change the ledger (POST /charges, refunds); reads stay open.

With PAYMENT_TOKEN set, a caller needs "Authorization: Bearer <token>". Without it only loopback
callers may (`make up`, where the workers run beside it): a charge endpoint open to the network
would let anyone write the ledger. In a cluster the NetworkPolicy lets only the order workers in.
"""

from __future__ import annotations

from ticketing_common.control_auth import Refused, check_control

__all__ = ["Refused", "check_write"]


def check_write(header: str | None, token: str | None, peer: str | None) -> None:
    """Raise Refused (401 wrong or missing token, 403 anonymous and not on loopback) unless allowed."""
    check_control(
        header, token, peer, token_setting="PAYMENT_TOKEN", service="the payment provider", actions="charge or refund"
    )
