"""Payment-provider test helpers: the app on fakeredis (unit) or on the session's real redis-server,
called in-process over ASGI, and the real service process for the concurrency tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import fakeredis
import httpx
import pytest
import redis.asyncio as aioredis

from payment_provider.app import create_app
from payment_provider.settings import PaymentSettings

APPROVE = "4242 4242 4242 4242"
DECLINE = "4000 0000 0000 0002"
ERROR = "4000 0000 0000 0119"
TIMEOUT = "4000 0000 0000 3220"


def provider_settings(**overrides: Any) -> PaymentSettings:
    """Settings as a test wants them: no simulated latency unless asked, a short timeout delay."""
    values: dict[str, Any] = {
        "payment_latency_ms_median": 0,
        "payment_timeout_delay_seconds": 0.05,
        "payment_seed": "tests",
        **overrides,
    }
    return PaymentSettings(**values)


def charge_body(key: str = "order-1", amount: str = "12.50", card: str | None = APPROVE, **extra: Any) -> dict:
    body: dict[str, Any] = {"idempotencyKey": key, "amount": amount, "currency": "EUR", "cardNumber": card}
    return {**body, **extra}


Body = Callable[[httpx.AsyncClient, aioredis.Redis], Awaitable[Any]]


async def _with_api(client: aioredis.Redis, settings: PaymentSettings, body: Body, peer: str) -> Any:
    app = create_app(settings, client)
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as http:
        return await body(http, client)


def run_on_fake(body: Body, peer: str = "127.0.0.1", **settings: Any) -> Any:
    """Run `body(http, redis)` against the app on a fresh fakeredis (Lua included)."""

    async def main() -> Any:
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        try:
            return await _with_api(client, provider_settings(**settings), body, peer)
        finally:
            await client.aclose()

    return asyncio.run(main())


def run_on_real(redis_url: str, body: Body, peer: str = "127.0.0.1", **settings: Any) -> Any:
    """Run `body(http, redis)` against the app on the session's real redis-server (emptied by real_redis)."""

    async def main() -> Any:
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            return await _with_api(client, provider_settings(redis_url=redis_url, **settings), body, peer)
        finally:
            await client.aclose()

    return asyncio.run(main())


@pytest.fixture
def on_fake():
    return run_on_fake
