"""Real processes for system tests: the gateway under gunicorn and order workers under uvicorn,
started with the same helpers as `make up`, on the session's redis-server (`system`) or on either
store of `redis_target` (`target_system`: one Redis, then the local Redis Cluster with 3 shards)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ticketing_common import keys, redis_client
from tools import stack
from tools.redis_server import free_port

# Small stocks so that most ticket types sell out in the middle of a run.
CATALOGUE = {
    "currency": "EUR",
    "tickets": [
        {"id": "alpha", "name": "Alpha", "type": "adult", "price": 50, "stock": 8000},
        {"id": "beta", "name": "Beta", "type": "student", "price": 30, "stock": 900},
        {"id": "gamma", "name": "Gamma", "type": "child", "price": 20, "stock": 250},
        {"id": "delta", "name": "Delta", "type": "vip", "price": 200, "stock": 40},
    ],
}
TICKET_IDS = [t["id"] for t in CATALOGUE["tickets"]]


@dataclass(frozen=True)
class SystemCatalogue:
    """What the gateway sells in a run: its CATALOGUE_PATH document, each event's ticket ids (an
    order's tickets must be of one event) and each ticket's kind (its id in CATALOGUE)."""

    document: dict | list
    events: list[list[str]]
    kind: dict[str, str]

    def of_kind(self, kind: str) -> list[str]:
        return [t for t, k in self.kind.items() if k == kind]


ONE_EVENT = SystemCatalogue(CATALOGUE, [TICKET_IDS], {t: t for t in TICKET_IDS})


def event_ids_one_per_shard(shards: keys.Shards, stem: str = "system") -> list[str]:
    """Event ids whose shard (keys.shard_of_event) is 0, 1, ... in turn: computed, not hand-picked."""
    found: dict[int, str] = {}
    n = 0
    while len(found) < shards.count:
        found.setdefault(shards.of_event(f"{stem}-{n}"), f"{stem}-{n}")
        n += 1
    return [found[k] for k in shards]


def open_event(event: str, tickets: list[dict]) -> dict:
    """One event of a catalogue document (docs/events.md), on sale, its ticket ids prefixed with its own."""
    return {
        "id": event,
        "name": f"System {event}",
        "venue": "Loopback",
        "startsAt": "2030-01-01T20:00:00+00:00",
        "saleOpensAt": None,
        "saleState": "open",
        "currency": "EUR",
        "tickets": [{**t, "id": f"{event}-{t['id']}"} for t in tickets],
    }


def one_event_per_shard(shards: keys.Shards) -> SystemCatalogue:
    """CATALOGUE's four kinds in one event per shard, so that orders spread over every shard (CATALOGUE's
    one event, "main", would put them all in shard 2 of 3). Each event has 1/N of each kind's stock
    (at least 1): the load that sells a kind out on one Redis, spread over N events, sells it out in each."""
    events = event_ids_one_per_shard(shards)
    tickets = [{**t, "stock": max(1, t["stock"] // shards.count)} for t in CATALOGUE["tickets"]]
    document = [open_event(event, tickets) for event in events]
    return SystemCatalogue(
        document,
        [[f"{event}-{t}" for t in TICKET_IDS] for event in events],
        {f"{event}-{t}": t for event in events for t in TICKET_IDS},
    )


class Stack:
    """The gateway and any number of workers; everything started is stopped at the end. With
    `cluster`, every service runs with REDIS_CLUSTER=true and `shards.count` shards."""

    def __init__(
        self,
        redis_url: str,
        workdir: Path,
        *,
        cluster: bool = False,
        shards: keys.Shards = keys.ONE_SHARD,
        catalogue: SystemCatalogue = ONE_EVENT,
    ) -> None:
        self.redis_url = redis_url
        self.workdir = workdir
        self.cluster = cluster
        self.shards = shards
        self.catalogue = catalogue
        self.env = {"REDIS_CLUSTER": "true"} if cluster else {}
        if shards.count > 1:
            self.env["REDIS_SHARDS"] = str(shards.count)
        self.processes: list[stack.Process] = []
        self.gateway_url = ""
        self._clients: list[redis_client.SyncClient] = []

    def client(self) -> redis_client.SyncClient:
        """A client on the store (a RedisCluster on the cluster), closed by `stop`."""
        client = redis_client.connect(self.redis_url, cluster=self.cluster)
        self._clients.append(client)
        return client

    def start_gateway(self, **env: str) -> str:
        catalogue = self.workdir / "catalogue.json"
        catalogue.write_text(json.dumps(self.catalogue.document))
        port = free_port()
        self.processes += stack.start(
            [
                stack.gateway_service(
                    port,
                    self.redis_url,
                    **{"CATALOGUE_PATH": str(catalogue), "WEB_CONCURRENCY": "2", **self.env, **env},
                )
            ],
            self.workdir / "logs",
        )
        self.gateway_url = f"http://127.0.0.1:{port}"
        return self.gateway_url

    def start_worker(self, name: str, **env: str) -> tuple[stack.Process, str]:
        port = free_port()
        [process] = stack.start(
            [stack.worker_service(name, port, self.redis_url, **{**self.env, **env})], self.workdir / "logs"
        )
        self.processes.append(process)
        return process, f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        # All at once, each as stack.stop does it (SIGTERM, SIGKILL past 30 s): a worker takes a second
        # or two to leave, and one after the other that was up to 6 s of every test's teardown. The
        # store is not among them, so no order between the services matters here.
        with ThreadPoolExecutor(max(1, len(self.processes))) as pool:
            list(pool.map(stack.Process.stop, self.processes))
        for client in self._clients:
            client.close()


@pytest.fixture
def system(redis_url, real_redis, tmp_path):
    s = Stack(redis_url, tmp_path)
    yield s
    s.stop()


CLUSTER_SHARDS = keys.Shards(stack.CLUSTER_SHARDS)


@pytest.fixture
def target_system(redis_target, tmp_path):
    """`system` on `redis_target`: CATALOGUE's one event on one Redis; on the cluster 3 shards, one
    event per shard (`one_event_per_shard`), so every master decides orders."""
    if redis_target.cluster:
        catalogue = one_event_per_shard(CLUSTER_SHARDS)
        s = Stack(redis_target.url, tmp_path, cluster=True, shards=CLUSTER_SHARDS, catalogue=catalogue)
    else:
        s = Stack(redis_target.url, tmp_path)
    yield s
    s.stop()
