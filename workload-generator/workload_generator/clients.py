"""The HTTP clients the load goes out on: several httpx clients, round-robin, each renewed after a while.

Why several: httpx's connection pool does work proportional to the requests it holds on
every request, so one client with hundreds in flight spends its CPU on bookkeeping and the
generator itself becomes the bottleneck. Spread over a few clients, that cost stays small.

Why renewed: a Kubernetes Service balances connections, not requests. Connections kept
alive forever would pin the load to the gateway pods that existed when they opened, and
new pods from a scale-out would get none of it. A client older than `max_age_s` is
replaced (and closed once its requests have ended), so the load re-spreads over time.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from . import __version__
from .settings import WorkloadSettings

SHARDS = 16


class HttpClient(Protocol):
    async def get(self, url: str, **kwargs) -> httpx.Response: ...
    async def post(self, url: str, **kwargs) -> httpx.Response: ...
    async def put(self, url: str, **kwargs) -> httpx.Response: ...
    async def delete(self, url: str, **kwargs) -> httpx.Response: ...
    async def aclose(self) -> None: ...


@dataclass
class _Shard:
    client: httpx.AsyncClient
    born: float
    active: int = 0
    retired: bool = False


class ClientPool:
    def __init__(
        self,
        factory: Callable[[], httpx.AsyncClient],
        *,
        shards: int = SHARDS,
        max_age_s: float | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._max_age_s = max_age_s
        self._now = now
        start = now()
        # Staggered ages, so the shards are renewed one at a time rather than all at once.
        spacing = (max_age_s or 0) / shards
        self._shards = [_Shard(factory(), start - i * spacing) for i in range(shards)]
        self._turn = itertools.cycle(range(shards))
        self._closing: set[asyncio.Task] = set()

    async def get(self, url: str, **kwargs) -> httpx.Response:
        return await self._request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs) -> httpx.Response:
        return await self._request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs) -> httpx.Response:
        return await self._request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs) -> httpx.Response:
        return await self._request("DELETE", url, **kwargs)

    async def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        shard = self._pick()
        shard.active += 1
        try:
            return await shard.client.request(method, url, **kwargs)
        finally:
            shard.active -= 1
            if shard.retired and shard.active == 0:
                self._close_later(shard.client)

    def _pick(self) -> _Shard:
        i = next(self._turn)
        shard = self._shards[i]
        if self._max_age_s and self._now() - shard.born > self._max_age_s:
            shard.retired = True
            if shard.active == 0:
                self._close_later(shard.client)
            shard = self._shards[i] = _Shard(self._factory(), self._now())
        return shard

    def _close_later(self, client: httpx.AsyncClient) -> None:
        task = asyncio.get_running_loop().create_task(client.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        await asyncio.gather(*(s.client.aclose() for s in self._shards), *self._closing, return_exceptions=True)


def make_client(settings: WorkloadSettings) -> ClientPool:
    # One TLS context for every client: building one loads the CA bundle (~20 ms each).
    tls = httpx.create_ssl_context(trust_env=False)

    def client() -> httpx.AsyncClient:
        # No connection limit of its own: the in-flight cap is the one limit, and it is the
        # generator's (a pool limit would queue requests inside httpx, unseen).
        # trust_env=False: a proxy variable in the environment must not reroute the load.
        return httpx.AsyncClient(
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
            trust_env=False,
            verify=tls,
            headers={"User-Agent": f"ticketing-workload-generator/{__version__}"},
        )

    return ClientPool(client, max_age_s=settings.workload_connection_max_age_s or None)
