"""Fixtures every test folder shares: a real redis-server for the session, a clean database per test;
and, only for the tests that ask for it, a local Redis Cluster (3 masters + 3 replicas).

    def test_x(real_redis): ...               # one Redis
    def test_y(real_cluster): ...             # the cluster (started on first use, ~10 s, then shared), emptied
    def test_z(redis_target): ...             # runs twice: [single] and [cluster], each emptied first
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from ticketing_common import redis_client
from tools.redis_server import redis_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cluster: needs the local Redis Cluster (redis_cluster_url, redis_target)")


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


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """The session's local Redis Cluster (tools/redis_cluster.py), started the first time a test asks."""
    from tools.redis_cluster import redis_cluster

    with redis_cluster() as url:
        yield url


@pytest.fixture
def real_cluster(redis_cluster_url: str) -> Iterator[redis.RedisCluster]:
    """A cluster client on the session's Redis Cluster, every master emptied before the test."""
    client = redis.RedisCluster.from_url(redis_cluster_url, decode_responses=True)
    client.flushdb()  # sent to every master
    yield client
    client.close()


@dataclass(frozen=True)
class RedisTarget:
    """Where a test parametrised over `redis_target` runs: one Redis or the cluster."""

    name: str  # "single" or "cluster"
    url: str
    cluster: bool

    def client(self, **kw: object) -> redis_client.SyncClient:
        return redis_client.connect(self.url, cluster=self.cluster, **kw)

    def async_client(self, **kw: object) -> redis_client.AsyncClient:
        return redis_client.connect(self.url, cluster=self.cluster, asyncio=True, **kw)

    def env(self, shards: int = 3) -> dict[str, str]:
        """What a service process needs to use this target (with `shards` shards on the cluster)."""
        if not self.cluster:
            return {"REDIS_URL": self.url}
        return {"REDIS_URL": self.url, "REDIS_CLUSTER": "true", "REDIS_SHARDS": str(shards)}


@pytest.fixture(params=["single", pytest.param("cluster", marks=pytest.mark.cluster)])
def redis_target(request: pytest.FixtureRequest) -> Iterator[RedisTarget]:
    """The test once on one Redis and once on the cluster, with every database emptied first.
    Only the cluster run asks for the cluster, so `-k single` never starts one."""
    cluster = request.param == "cluster"
    url = request.getfixturevalue("redis_cluster_url" if cluster else "redis_url")
    target = RedisTarget(request.param, url, cluster)
    client = target.client()
    client.flushdb()  # a cluster client sends FLUSHDB to every master
    client.close()
    yield target
