"""Fixtures every test folder shares: a real redis-server for the session, a clean database per test."""

from __future__ import annotations

import pytest
import redis

from tools.redis_server import redis_server


@pytest.fixture(scope="session")
def redis_url() -> str:
    with redis_server() as url:
        yield url


@pytest.fixture
def real_redis(redis_url: str) -> redis.Redis:
    """A client on the session's real redis-server, emptied before the test."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    yield client
    client.close()
