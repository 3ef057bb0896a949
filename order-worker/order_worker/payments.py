"""The payment provider's client: charge an order once, whatever fails on the way.

The order id is the charge's idempotency key, so the provider charges it at most once however often
we ask (a retry, a second worker, a worker that died mid-call and was replaced). A call gets
`timeout` seconds; a 503, a timeout or a connection error is retried with capped exponential backoff
and jitter, up to `max_attempts` calls. After a timeout the charge may have been recorded all the
same (the provider answers slowly), so before charging again we ask GET /charges/{key} for the truth;
when the last call timed out too, we wait `settle` seconds (the provider records a charge within a bound
of its arrival, or never) and ask once more, so a charge recorded late is not taken for none.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ticketing_common.lifecycle import PaymentRecord
from ticketing_common.status import PaymentStatus

log = logging.getLogger(__name__)

BACKOFF_CAP_S = 2.0


@dataclass(frozen=True)
class Charge:
    """What the provider said about one order's charge."""

    status: PaymentStatus  # approved | declined | refunded | error | timeout (nothing recorded)
    attempts: int
    charge_id: str | None = None

    @property
    def record(self) -> PaymentRecord:
        return PaymentRecord(self.status, self.attempts, self.charge_id)


def _from_body(body: dict[str, Any], attempts: int) -> Charge:
    return Charge(PaymentStatus(body["status"]), attempts, body.get("chargeId"))


class PaymentClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        max_attempts: int,
        backoff_ms: int,
        token: str | None = None,
        settle: float = 0.0,
        transport: httpx.AsyncBaseTransport | None = None,
        on_call: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport, headers=headers)
        self.settle = settle
        self.max_attempts = max_attempts
        self.backoff_s = backoff_ms / 1000
        self.on_call = on_call  # the fault hook: called once a charge request is on its way

    async def aclose(self) -> None:
        await self.http.aclose()

    def _delay(self, retry: int) -> float:
        return min(BACKOFF_CAP_S, self.backoff_s * 2**retry) * random.uniform(0.5, 1.0)

    async def lookup(self, key: str) -> Charge | None:
        """The recorded charge for `key`, None if none was recorded; raises httpx errors when unsure."""
        response = await self.http.get(f"/charges/{key}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return _from_body(response.json(), 0)

    async def charge(self, key: str, amount: str, currency: str, card_number: str | None) -> Charge:
        """Charge `amount` once for `key`: approved or declined, or error/timeout once retries ran out."""
        body = {"idempotencyKey": key, "amount": amount, "currency": currency, "cardNumber": card_number}
        last = PaymentStatus.ERROR
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._delay(attempt - 2))
            try:
                request = asyncio.ensure_future(self.http.post("/charges", json=body))
                if self.on_call is not None:
                    await self.on_call()
                response = await request
            except httpx.TimeoutException:
                last = PaymentStatus.TIMEOUT
                found = await self._lookup_quietly(key)
                if found is not None:
                    return Charge(found.status, attempt, found.charge_id)
                continue
            except httpx.TransportError as e:  # connection refused or reset: nothing was answered
                log.warning("charge call failed", extra={"orderId": key, "error": repr(e)})
                last = PaymentStatus.ERROR
                continue
            if response.status_code == 200:
                return _from_body(response.json(), attempt)
            if response.status_code >= 500:  # a processing error: nothing recorded, a retry may pass
                last = PaymentStatus.ERROR
                continue
            # 4xx (409: same key, another amount; 422): retrying cannot help
            if response.status_code in (401, 403):
                log.error(
                    "the payment provider refused this worker: set WORKER_PAYMENT_PROVIDER_TOKEN to its PAYMENT_TOKEN",
                    extra={"orderId": key, "status": response.status_code},
                )
            else:
                log.error("charge refused", extra={"orderId": key, "status": response.status_code})
            return Charge(PaymentStatus.ERROR, attempt)
        if last == PaymentStatus.TIMEOUT:
            await asyncio.sleep(self.settle)
            found = await self._lookup_quietly(key)
            if found is not None:
                return Charge(found.status, self.max_attempts, found.charge_id)
        return Charge(last, self.max_attempts)

    async def _lookup_quietly(self, key: str) -> Charge | None:
        try:
            return await self.lookup(key)
        except (httpx.HTTPError, ValueError, KeyError):
            return None

    async def refund(self, key: str) -> bool:
        """Refund the charge of `key` (idempotent), retried like a charge. Whether it is refunded now."""
        for attempt in range(self.max_attempts):
            if attempt:
                await asyncio.sleep(self._delay(attempt - 1))
            try:
                response = await self.http.post(f"/charges/{key}/refund")
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return True
            if response.status_code < 500:  # 404 nothing to refund, 409 declined: nothing was taken
                return False
        log.error("refund failed", extra={"orderId": key})
        return False
