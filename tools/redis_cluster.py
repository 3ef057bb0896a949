"""Start and stop a local Redis Cluster: 3 masters + 3 replicas on loopback (tests, `REDIS_CLUSTER=1 make up`).

    with redis_cluster() as url:          # a throwaway cluster in a temporary directory
        client = redis.RedisCluster.from_url(url)

    with local_cluster() as cluster:      # the same, with the nodes at hand (failover tests)
        cluster.kill(cluster.master_of("some-key"))
        cluster.wait_promoted(...)

Each node is `redis-server --cluster-enabled yes --appendonly yes --appendfsync everysec` in a folder
of its own; `redis-cli --cluster create ... --cluster-replicas 1` splits the 16384 slots in three equal
ranges (which keys.shard_tag aims at) and gives each master one replica. Ready means every node says
`cluster_state:ok`, knows all the others, and every replica's link to its master is up.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tools.redis_server import wait_for_port

MASTERS = 3
REPLICAS_PER_MASTER = 1
# How long a master may be unreachable before its replica takes over. Redis' default is 15 s;
# locally (one machine, no network) 2 s is safe and keeps the failover test short.
NODE_TIMEOUT_MS = 2000
BUS_PORT_OFFSET = 10000  # a node's cluster bus listens on its port + 10000


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not installed: `make deps` installs it (apt-get install redis-server)")
    return path


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` ports each free together with its cluster bus port (+10000)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + BUS_PORT_OFFSET < 65536 and port not in ports and _port_free(port + BUS_PORT_OFFSET):
            ports.append(port)
    return ports


def free_port_range(count: int) -> int:
    """The first of `count` consecutive ports free with their bus ports (make up's layout, for tests)."""
    while True:
        [first] = free_ports(1)
        ports = range(first, first + count)
        if ports[-1] + BUS_PORT_OFFSET < 65536 and all(
            _port_free(p) and _port_free(p + BUS_PORT_OFFSET) for p in ports
        ):
            return first


def node_args(
    port: int, data_dir: Path, node_timeout_ms: int = NODE_TIMEOUT_MS, appendfsync: str = "everysec"
) -> list[str]:
    """A cluster node's command-line settings (on top of a redis.conf, if one comes first)."""
    return [
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-node-timeout",
        str(node_timeout_ms),
        # The AOF on every node, replicas included: a promoted replica restarted later keeps its data.
        "--appendonly",
        "yes",
        "--appendfsync",
        appendfsync,
        "--save",
        "",
    ]


def _client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)


def cluster_info(port: int) -> dict[str, str]:
    with _client(port) as c:
        text = str(c.execute_command("CLUSTER", "INFO"))
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


@dataclass(frozen=True)
class NodeView:
    """One line of CLUSTER NODES, as one node sees it."""

    node_id: str
    port: int
    flags: frozenset[str]
    master_id: str | None
    slots: tuple[tuple[int, int], ...]

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    @property
    def failed(self) -> bool:
        return "fail" in self.flags or "fail?" in self.flags


def cluster_nodes(port: int) -> list[NodeView]:
    with _client(port) as c:
        # Two words: redis-py keeps the raw text (it has a parser for "CLUSTER NODES" as one).
        text = str(c.execute_command("CLUSTER", "NODES"))
    views = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 8:
            continue
        address = parts[1].split("@", 1)[0]
        slots = []
        for item in parts[8:]:
            if item.startswith("["):  # a slot being migrated: not ours to report
                continue
            low, _, high = item.partition("-")
            slots.append((int(low), int(high or low)))
        views.append(
            NodeView(
                node_id=parts[0],
                port=int(address.rsplit(":", 1)[1]),
                flags=frozenset(parts[2].replace("myself,", "").split(",")),
                master_id=None if parts[3] == "-" else parts[3],
                slots=tuple(slots),
            )
        )
    return views


def create(ports: Sequence[int], replicas: int = REPLICAS_PER_MASTER, timeout: float = 60.0) -> None:
    """Join fresh nodes into one cluster: masters first in `ports` order, then their replicas."""
    argv = [_binary("redis-cli"), "--cluster", "create"]
    argv += [f"127.0.0.1:{p}" for p in ports]
    argv += ["--cluster-replicas", str(replicas), "--cluster-yes"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"redis-cli --cluster create failed: {(done.stdout + done.stderr).strip()[-800:]}")


def _problem(ports: Sequence[int]) -> str | None:
    """Why the cluster on `ports` is not ready yet, or None when it is."""
    for port in ports:
        try:
            info = cluster_info(port)
        except redis.RedisError as e:
            return f"node {port}: {e}"
        if info.get("cluster_state") != "ok":
            return f"node {port}: cluster_state:{info.get('cluster_state')}"
        if int(info.get("cluster_known_nodes", 0)) < len(ports):
            return f"node {port} knows {info.get('cluster_known_nodes')} of {len(ports)} nodes"
    for port in ports:
        with _client(port) as c:
            replication = c.info("replication")
        if replication.get("role") == "slave" and replication.get("master_link_status") != "up":
            return f"replica {port}: link to its master is {replication.get('master_link_status')}"
    return None


def wait_ok(ports: Sequence[int], timeout: float = 60.0) -> None:
    """Until every node in `ports` reports cluster_state:ok, knows them all and every replica is in sync."""
    deadline = time.monotonic() + timeout
    while (problem := _problem(ports)) is not None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the Redis Cluster on {list(ports)} is not ready after {timeout}s: {problem}")
        time.sleep(0.1)


def ensure(ports: Sequence[int], timeout: float = 60.0) -> None:
    """Create the cluster if its nodes are fresh (no slot assigned anywhere), then wait until it is ready.
    Nodes restarted from their nodes.conf rejoin on their own: no second create."""
    for port in ports:
        wait_for_port(port, timeout)
    if all(int(cluster_info(p).get("cluster_slots_assigned", 0)) == 0 for p in ports):
        create(ports, timeout=timeout)
    wait_ok(ports, timeout)


@dataclass
class LocalCluster:
    """Redis Cluster nodes running as child processes, one folder each under `root`."""

    root: Path
    ports: list[int]
    node_timeout_ms: int = NODE_TIMEOUT_MS
    appendfsync: str = "everysec"
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """A URL for the cluster clients (any node will do: the client discovers the rest)."""
        return f"redis://127.0.0.1:{self.ports[0]}"

    def start_node(self, port: int) -> None:
        data_dir = self.root / str(port)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.processes[port] = subprocess.Popen(
            [_binary("redis-server"), *node_args(port, data_dir, self.node_timeout_ms, self.appendfsync)],
            stdout=(data_dir / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(port)

    def start(self, timeout: float = 60.0) -> None:
        for port in self.ports:
            self.start_node(port)
        ensure(self.ports, timeout)

    def kill(self, port: int) -> None:
        """SIGKILL one node: no AOF flush, no goodbye to the others (a machine dying, as far as Redis can tell)."""
        process = self.processes.pop(port)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def live_ports(self) -> list[int]:
        return [p for p in self.ports if p in self.processes]

    def masters(self) -> list[NodeView]:
        """The masters serving slots, as a live node sees them (failed ones left out)."""
        views = cluster_nodes(self.live_ports()[0])
        return [v for v in views if v.is_master and v.slots and not v.failed]

    def master_for_slot(self, slot: int) -> int:
        for view in self.masters():
            if any(low <= slot <= high for low, high in view.slots):
                return view.port
        raise LookupError(f"no live master serves slot {slot}")

    def replica_of(self, master_port: int) -> int:
        views = cluster_nodes(master_port)
        master_id = next(v.node_id for v in views if v.port == master_port)
        return next(v.port for v in views if v.master_id == master_id and not v.failed)

    def wait_promoted(self, slot: int, old_master: int, timeout: float = 30.0) -> int:
        """Until a live node other than `old_master` serves `slot` and every live node says ok; its port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                port = self.master_for_slot(slot)
                if port != old_master and all(cluster_info(p).get("cluster_state") == "ok" for p in self.live_ports()):
                    return port
            except (LookupError, redis.RedisError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"no replica took over slot {slot} from node {old_master} within {timeout}s")

    def stop(self) -> None:
        for port in list(self.processes):
            process = self.processes.pop(port)
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def local_cluster(
    masters: int = MASTERS, node_timeout_ms: int = NODE_TIMEOUT_MS, appendfsync: str = "everysec"
) -> Iterator[LocalCluster]:
    """A fresh cluster of `masters` masters and one replica each, in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="redis-cluster-") as workdir:
        cluster = LocalCluster(
            Path(workdir), free_ports(masters * (1 + REPLICAS_PER_MASTER)), node_timeout_ms, appendfsync
        )
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.stop()


@contextmanager
def redis_cluster() -> Iterator[str]:
    """A throwaway 3 + 3 cluster; yields a URL for `redis_client.connect(url, cluster=True)`."""
    with local_cluster() as cluster:
        yield cluster.url
