"""The one way a service builds its Redis client: plain Redis or Redis Cluster, sync or asyncio.

`connect(url, cluster=..., ...)` returns ``redis.Redis`` / ``redis.RedisCluster`` (or their asyncio
twins with ``asyncio=True``); `from_settings(settings)` does the same from a service's settings
(``REDIS_URL``, ``REDIS_CLUSTER``, ``REDIS_SOCKET_TIMEOUT``) with the options every service uses.

What changes on a cluster (redis-py 8, checked against its source):

- Every command is routed by the slot of its keys; a command (or a Lua script) whose keys are in
  several slots fails in the client with "all keys must map to the same key slot" before it is
  sent. Hence the shard hash tags of keys.py: every key one script touches shares one tag.
- ``register_script`` works: a Script sends EVALSHA to the node owning its keys' slot; on NOSCRIPT
  (a node that never saw it, e.g. a replica just promoted: the script cache is not replicated)
  it runs SCRIPT LOAD, which a cluster client sends to every primary, and retries once.
- A cluster pipeline groups plain commands per node (not atomic across nodes, no MULTI over
  several slots) and refuses EVALSHA outright: scripts are called one by one, never pipelined.
  `script_pipeline_safe(client)` tells code that batches script calls which way to go.
- Blocking multi-stream reads (XREAD/XREADGROUP over several shards' streams) are CROSSSLOT: one
  call per shard.
- There is one database, 0: a URL naming another is refused here with a reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload
from urllib.parse import urlsplit

import redis
import redis.asyncio as aioredis

if TYPE_CHECKING:
    from .settings import ServiceSettings

SyncClient: TypeAlias = "redis.Redis | redis.RedisCluster"
AsyncClient: TypeAlias = "aioredis.Redis | aioredis.RedisCluster"

# Seconds between the PINGs a pooled connection sends before reuse when it has been idle: a
# connection to a pod that disappeared is found out before a request, not by it.
HEALTH_CHECK_INTERVAL = 30


class ClusterUrlError(ValueError):
    """A URL that cannot address a Redis Cluster."""


def cluster_url(url: str) -> str:
    """The URL as RedisCluster takes it: TCP only, database 0 (the only one a cluster has)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ClusterUrlError(f"a Redis Cluster is reached over TCP: redis:// or rediss:// (got {parts.scheme}://)")
    db = parts.path.strip("/")
    if db not in ("", "0"):
        raise ClusterUrlError(f"a Redis Cluster has only database 0 (the URL names database {db})")
    return parts._replace(path="").geturl()


@overload
def connect(
    url: str, *, cluster: bool, decode_responses: bool = ..., asyncio: Literal[False] = ..., **kw: Any
) -> SyncClient: ...
@overload
def connect(
    url: str, *, cluster: bool, decode_responses: bool = ..., asyncio: Literal[True], **kw: Any
) -> AsyncClient: ...
@overload
def connect(
    url: str, *, cluster: bool, decode_responses: bool = ..., asyncio: bool, **kw: Any
) -> SyncClient | AsyncClient: ...
def connect(
    url: str, *, cluster: bool, decode_responses: bool = True, asyncio: bool = False, **kw: Any
) -> SyncClient | AsyncClient:
    """A client for `url`: a cluster client (which discovers every node from this one) when
    `cluster`, else a plain one. `kw` goes to redis-py (socket_timeout, health_check_interval...).

    Plain clients and the asyncio cluster client connect on their first command, so a service can
    build them before Redis is up; the sync cluster client reads the slot map as it is built.
    """
    if cluster:
        url = cluster_url(url)
        if asyncio:
            return aioredis.RedisCluster.from_url(url, decode_responses=decode_responses, **kw)
        # redis-py's sync RedisCluster has no lazy mode: an unreachable cluster fails here, with a
        # RedisClusterException naming the node (a service then stops and is restarted).
        return redis.RedisCluster.from_url(url, decode_responses=decode_responses, **kw)
    if asyncio:
        return aioredis.Redis.from_url(url, decode_responses=decode_responses, **kw)
    return redis.Redis.from_url(url, decode_responses=decode_responses, **kw)


@overload
def from_settings(settings: ServiceSettings, *, asyncio: Literal[False] = ..., **kw: Any) -> SyncClient: ...
@overload
def from_settings(settings: ServiceSettings, *, asyncio: Literal[True], **kw: Any) -> AsyncClient: ...
def from_settings(settings: ServiceSettings, *, asyncio: bool = False, **kw: Any) -> SyncClient | AsyncClient:
    """The service's client from its settings, with the options every service uses; `kw` overrides them."""
    options: dict[str, Any] = {
        "socket_timeout": settings.redis_socket_timeout,
        "socket_connect_timeout": settings.redis_socket_timeout,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        **kw,
    }
    client: SyncClient | AsyncClient = connect(
        settings.redis_url, cluster=settings.redis_cluster, asyncio=asyncio, **options
    )
    return client


def is_cluster(client: object) -> bool:
    """Whether `client` (sync or asyncio) is a cluster client."""
    return isinstance(client, (redis.RedisCluster, aioredis.RedisCluster))


def script_pipeline_safe(client: object) -> bool:
    """Whether Lua script calls may be queued on `client`'s pipelines (plain Redis: yes; a
    cluster pipeline refuses EVALSHA, so script calls go one by one there)."""
    return not is_cluster(client)
