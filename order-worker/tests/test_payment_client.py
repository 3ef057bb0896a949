"""The payment client on its own, against a scripted transport: the token, and a charge recorded late."""

from __future__ import annotations

import asyncio

import httpx

from order_worker.payments import PaymentClient
from ticketing_common.status import PaymentStatus


def test_a_charge_recorded_after_the_last_timeout_is_found_by_the_settle_lookup():
    seen: list[httpx.Request] = []
    lookups = 0

    def provider(request: httpx.Request) -> httpx.Response:
        nonlocal lookups
        seen.append(request)
        if request.method == "POST":
            raise httpx.ReadTimeout("slow answer", request=request)
        lookups += 1
        if lookups == 1:  # asked right after the timeout: not recorded yet
            return httpx.Response(404, json={"error": "no charge"})
        return httpx.Response(200, json={"status": "approved", "chargeId": "ch_1"})

    async def run():
        client = PaymentClient(
            "http://provider",
            timeout=1,
            max_attempts=1,
            backoff_ms=1,
            token="s3cret-token",
            settle=0.01,
            transport=httpx.MockTransport(provider),
        )
        try:
            return await client.charge("order-1", "10.00", "EUR", None)
        finally:
            await client.aclose()

    charge = asyncio.run(run())
    assert charge.status == PaymentStatus.APPROVED and charge.charge_id == "ch_1"
    assert [r.method for r in seen] == ["POST", "GET", "GET"]
    assert all(r.headers["Authorization"] == "Bearer s3cret-token" for r in seen)


def test_without_a_token_no_authorization_header_is_sent():
    seen: list[httpx.Request] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "declined", "chargeId": "ch_2"})

    async def run():
        client = PaymentClient(
            "http://p", timeout=1, max_attempts=1, backoff_ms=1, transport=httpx.MockTransport(provider)
        )
        try:
            return await client.charge("order-2", "10.00", "EUR", None)
        finally:
            await client.aclose()

    assert asyncio.run(run()).status == PaymentStatus.DECLINED
    assert "Authorization" not in seen[0].headers
