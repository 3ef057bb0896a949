"""Run the whole stack as local processes: `make up` (python -m tools.stack up).

The same helpers start the real services for the system tests and the benchmarks,
so what they test is what `make up` runs.
"""

from __future__ import annotations

import argparse
import grp
import ipaddress
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What `make up` and the Kubernetes local overlay serve: the bundled tickets with 20 times the stock.
DEMO_CATALOGUE = ROOT / "k8s" / "overlays" / "local" / "catalogue-demo.json"
# Not 6379: a Redis the machine already runs (Debian starts one) keeps its port and its data.
DEFAULT_REDIS_PORT = 6380
PYTHON = sys.executable


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready_url: str | None = None
    cwd: Path = ROOT


class Process:
    """A started service: its Popen and where its output goes."""

    def __init__(self, service: Service, log_dir: Path | None) -> None:
        self.service = service
        env = {**os.environ, **service.env}
        if log_dir is None:
            out = None
        else:
            log_dir.mkdir(parents=True, exist_ok=True)
            self.log_path = log_dir / f"{service.name}.log"
            out = open(self.log_path, "ab")  # noqa: SIM115 - the service's stdout for its whole life
        # Own session: a Ctrl-C in the terminal reaches the supervisor only, which then
        # stops every service in order instead of all at once.
        self.popen = subprocess.Popen(
            service.argv,
            env=env,
            cwd=service.cwd,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        self.signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            return self.popen.wait(timeout=10)


def wait_ready(process: Process, timeout: float = 60.0) -> None:
    """Poll the service's readiness URL (http://, or tcp:// for a port) until it answers; fail early if it died."""
    url = process.service.ready_url
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.service.name} exited with code {process.popen.returncode}")
        if url is None:
            return
        if url.startswith("redis-cluster://"):
            # The last node of a local Redis Cluster: every node up, the cluster created (first run
            # only) and ok. tools/redis_cluster.py waits with its own deadline.
            from tools import redis_cluster

            hosts = url.removeprefix("redis-cluster://").split(",")
            redis_cluster.ensure([int(h.rsplit(":", 1)[1]) for h in hosts], timeout)
            return
        if url.startswith("tcp://"):
            host, _, port = url.removeprefix("tcp://").partition(":")
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
                continue
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{process.service.name} not ready at {url} after {timeout}s")


def start(services: list[Service], log_dir: Path | None = None, timeout: float = 60.0) -> list[Process]:
    """Start services in order, each ready before the next; on failure stop what started."""
    started: list[Process] = []
    try:
        for service in services:
            process = Process(service, log_dir)
            started.append(process)
            wait_ready(process, timeout)
    except BaseException:
        stop(started)
        raise
    return started


def stop(processes: list[Process]) -> None:
    for process in reversed(processes):
        process.stop()


# The services, as `make up` runs them -------------------------------------------------

REDIS_CONF = ROOT / "k8s/base/redis/redis.conf"


def local_redis_conf(overrides: dict[str, str]) -> str:
    """The shared redis.conf with the lines of `overrides` replaced by the local values.

    Replaced rather than overridden on the command line: Redis applies each line as it reads it,
    and the shared `dir /data` fails (no such folder here) before a later --dir could win.
    """
    lines = [f"# Generated by tools/stack.py from {REDIS_CONF.relative_to(ROOT)}: edit that file, not this one."]
    for line in REDIS_CONF.read_text().splitlines():
        directive = line.split(maxsplit=1)[0].lower() if line.strip() and not line.lstrip().startswith("#") else ""
        lines.append(f"# (set below for make up) {line}" if directive in overrides else line)
    lines += ["", "# ---- make up's local values ----"] + [f"{k} {v}" for k, v in overrides.items()]
    return "\n".join(lines) + "\n"


def redis_service(port: int, data_dir: Path, appendfsync: str = "everysec") -> Service:
    """Redis with the one redis.conf that Compose and Kubernetes use (maxmemory, noeviction, AOF, ...),
    plus only what a local process must change: its port, loopback, its data folder, the fsync policy."""
    data_dir.mkdir(parents=True, exist_ok=True)
    conf = data_dir / "redis.conf"
    conf.write_text(
        local_redis_conf({"port": str(port), "bind": "127.0.0.1", "dir": str(data_dir), "appendfsync": appendfsync})
    )
    return Service("redis", ["redis-server", str(conf)], ready_url=f"tcp://127.0.0.1:{port}")


# `REDIS_CLUSTER=1 make up`: a Redis Cluster of 3 masters + 3 replicas on REDIS_PORT .. REDIS_PORT+5
# (their cluster buses 10000 above) instead of the one Redis, and every service on 3 shards.
CLUSTER_NODES = 6
CLUSTER_SHARDS = 3


def cluster_node_ports(first: int) -> list[int]:
    return [first + i for i in range(CLUSTER_NODES)]


def redis_cluster_services(first_port: int, data_dir: Path, appendfsync: str = "everysec") -> list[Service]:
    """The cluster's nodes, each with the shared redis.conf as `redis_service`'s plus cluster mode;
    the last one is ready when the cluster is (created on the first run, rejoined from nodes.conf after)."""
    from tools.redis_cluster import NODE_TIMEOUT_MS

    ports = cluster_node_ports(first_port)
    services = []
    for port in ports:
        node_dir = data_dir / str(port)
        node_dir.mkdir(parents=True, exist_ok=True)
        conf = node_dir / "redis.conf"
        overrides = {"port": str(port), "bind": "127.0.0.1", "dir": str(node_dir), "appendfsync": appendfsync}
        overrides |= {
            "cluster-enabled": "yes",
            "cluster-config-file": "nodes.conf",
            "cluster-node-timeout": str(NODE_TIMEOUT_MS),
        }
        conf.write_text(local_redis_conf(overrides))
        services.append(Service(f"redis-{port}", ["redis-server", str(conf)], ready_url=f"tcp://127.0.0.1:{port}"))
    services[-1].ready_url = "redis-cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)
    return services


def cluster_from_env() -> bool:
    """REDIS_CLUSTER=1 (or true/yes) for the cluster; unset, empty or 0 for the one Redis."""
    value = os.environ.get("REDIS_CLUSTER", "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"REDIS_CLUSTER must be 1 or 0 (got {value!r})")


def redis_env(cluster: bool) -> dict[str, str]:
    """What every service that talks to Redis gets on top of REDIS_URL."""
    return {"REDIS_CLUSTER": "true", "REDIS_SHARDS": str(CLUSTER_SHARDS)} if cluster else {}


def local_redis_url(port: int, cluster: bool) -> str:
    # A cluster has only database 0 and no /0 in its URLs (ticketing_common.redis_client).
    return f"redis://127.0.0.1:{port}" if cluster else f"redis://127.0.0.1:{port}/0"


LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def reach(host: str) -> str:
    """The address to reach a service listening on `host` from this machine."""
    return LOOPBACK if host in ("0.0.0.0", "::", "") or is_loopback(host) else host


def gateway_service(port: int, redis_url: str, host: str = LOOPBACK, **env: str) -> Service:
    return Service(
        "api-gateway",
        [PYTHON, "-m", "api_gateway"],
        {"HOST": host, "PORT": str(port), "REDIS_URL": redis_url, **env},
        f"http://{reach(host)}:{port}/readyz",
    )


def worker_service(name: str, port: int, redis_url: str, host: str = LOOPBACK, **env: str) -> Service:
    return Service(
        name,
        [PYTHON, "-m", "order_worker"],
        {"HOST": host, "PORT": str(port), "REDIS_URL": redis_url, "CONSUMER_NAME": name, **env},
        f"http://{reach(host)}:{port}/readyz",
    )


def generator_service(port: int, target_api: str, host: str = LOOPBACK, **env: str) -> Service:
    return Service(
        "workload-generator",
        [PYTHON, "-m", "workload_generator"],
        {"HOST": host, "PORT": str(port), "TARGET_API": target_api, **env},
        f"http://{reach(host)}:{port}/readyz",
    )


def live_service(port: int, redis_url: str, gateway: str, host: str = LOOPBACK, **env: str) -> Service:
    """The live-updates service (Server-Sent Events); it fetches the dashboard's figures from `gateway`."""
    return Service(
        "live-updates",
        [PYTHON, "-m", "live_updates"],
        {"HOST": host, "PORT": str(port), "REDIS_URL": redis_url, "LIVE_GATEWAY_URL": gateway, **env},
        f"http://{reach(host)}:{port}/readyz",
    )


def provider_service(port: int, redis_url: str, host: str = LOOPBACK, **env: str) -> Service:
    return Service(
        "payment-provider",
        [PYTHON, "-m", "payment_provider"],
        {"HOST": host, "PORT": str(port), "REDIS_URL": redis_url, **env},
        f"http://{reach(host)}:{port}/readyz",
    )


NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log stderr warn;
# Every open event stream (/live/) holds two connections, the browser's and the upstream's: room for
# thousands of idle subscribers, and the descriptors for them.
worker_rlimit_nofile 20000;
events {{ worker_connections 8192; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/default.conf;
}}
"""

TEMPLATE_VARIABLES = ("NGINX_PORT", "API_UPSTREAM", "WORKLOAD_UPSTREAM", "LIVE_UPSTREAM", "STATIC_ROOT")


def render_template(template: str, values: dict[str, str]) -> str:
    """envsubst limited to our variables, as the nginx image does: nginx's own $vars stay."""
    for name in TEMPLATE_VARIABLES:
        template = template.replace("${" + name + "}", values[name])
    return template


def worker_user(static_root: Path) -> str:
    """nginx's `user` directive, when it runs as root: its workers as the owner of the files they
    serve. nginx's default (nobody, www-data) cannot read a checkout in a folder only its owner may
    enter, such as a clone under /root. Without root nginx ignores the directive, so none is written."""
    if os.geteuid() != 0:
        return ""
    info = static_root.stat()
    try:
        user, group = pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name
    except KeyError:  # an owner without a name (a bind mount from elsewhere): root can read it all
        user, group = "root", "root"
    return f"user {user} {group};\n"


def nginx_service(port: int, api: str, workload: str, run_dir: Path, host: str = LOOPBACK, live: str = "") -> Service:
    """Nginx serving the built frontend with the same server template as the image.

    The template's `listen ${NGINX_PORT}` is rendered as host:port, so nginx listens on loopback
    only unless HOST says otherwise (the image renders the bare port: its container is the boundary).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    template = (ROOT / "frontend/nginx/default.conf.template").read_text()
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    static_root = ROOT / "frontend/dist"
    values = {
        "NGINX_PORT": listen,
        "API_UPSTREAM": api,
        "WORKLOAD_UPSTREAM": workload,
        # No live service: /live/ answers 502 JSON and the browser polls the gateway.
        "LIVE_UPSTREAM": live or "http://127.0.0.1:9",
        "STATIC_ROOT": str(static_root),
    }
    (run_dir / "default.conf").write_text(render_template(template, values))
    mime_types = next(
        (
            p
            for p in ("/etc/nginx/mime.types", "/usr/local/etc/nginx/mime.types", "/opt/homebrew/etc/nginx/mime.types")
            if Path(p).exists()
        ),
        "mime.types",
    )
    (run_dir / "nginx.conf").write_text(
        NGINX_CONF.format(user=worker_user(static_root), run=run_dir, mime_types=mime_types)
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return Service(
        "nginx",
        [nginx, "-c", str(run_dir / "nginx.conf"), "-p", str(run_dir)],
        ready_url=f"http://{reach(host)}:{port}/",
    )


# The rule file every deployment loads (monitoring contract, issue 16).
RULES = ROOT / "k8s/components/monitoring/rules/ticketing.rules.yml"
# Not 9090: a Prometheus the machine already runs (Debian's package starts one) keeps its port.
DEFAULT_PROMETHEUS_PORT = 9095


# The file listing the order workers for the local Prometheus (file_sd), in its run directory.
WORKER_TARGETS = "order-workers.json"


def prometheus_config(
    ports: Ports, host: str = LOOPBACK, interval: str = "5s", workers_file: Path | None = None
) -> str:
    """Prometheus' config for the local stack: one job per service (the contract's job names), the
    shared rule file, scraped and evaluated every `interval`. JSON, which is YAML too.

    With `workers_file`, the order workers are read from that file (file_sd), which the worker pool
    rewrites as the autoscaler grows and shrinks it; else they are the fixed `ports.workers`."""
    at = reach(host)
    jobs = {
        "api-gateway": [ports.gateway],
        "order-worker": list(ports.workers),
        "workload-generator": [ports.generator],
        "payment-provider": [ports.provider],
        "live-updates": [ports.live],
    }
    scrape_configs = []
    for job, job_ports in jobs.items():
        if job == "order-worker" and workers_file is not None:
            scrape_configs.append({"job_name": job, "file_sd_configs": [{"files": [str(workers_file)]}]})
        else:
            scrape_configs.append(
                {"job_name": job, "static_configs": [{"targets": [f"{at}:{port}" for port in job_ports]}]}
            )
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(RULES)],
        "scrape_configs": scrape_configs,
    }
    return json.dumps(config, indent=2) + "\n"


def write_scrape_targets(path: Path, host: str, ports: list[int]) -> None:
    """The order workers as Prometheus' file_sd reads them; replaced whole, so it never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps([{"targets": [f"{reach(host)}:{port}" for port in ports]}]))
    partial.replace(path)


def prometheus_service(port: int, config: str, data_dir: Path) -> Service:
    """Debian's (or brew's) Prometheus with `config`, its data in `data_dir`. Always on loopback, like
    Redis: its web UI and API have no authentication, and only this machine's browser needs it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path = data_dir / "prometheus.yml"
    config_path.write_text(config)
    return Service(
        "prometheus",
        [
            shutil.which("prometheus") or "/usr/bin/prometheus",
            f"--config.file={config_path}",
            f"--storage.tsdb.path={data_dir / 'data'}",
            "--storage.tsdb.retention.time=2d",
            f"--web.listen-address={LOOPBACK}:{port}",
        ],
        ready_url=f"http://{LOOPBACK}:{port}/-/ready",
    )


@dataclass(frozen=True)
class Ports:
    redis: int = DEFAULT_REDIS_PORT
    gateway: int = 8000
    workers: tuple[int, ...] = (8001, 8011)  # one order worker per port
    generator: int = 9000
    provider: int = 8002  # the payment provider
    live: int = 8003  # the live-updates service (SSE)
    web: int = 8080
    prometheus: int = DEFAULT_PROMETHEUS_PORT  # only with MONITORING=1


def local_stack(
    run_dir: Path,
    ports: Ports,
    host: str = LOOPBACK,
    monitoring: bool = False,
    scrape_interval: str = "5s",
    gateway_env: dict[str, str] | None = None,
    provider_env: dict[str, str] | None = None,
    cluster: bool = False,
) -> list[Service]:
    """Redis, the payment provider, the gateway, the order workers, the generator, the live updates and Nginx, as
    `make up` runs them, and with `monitoring` a Prometheus scraping them. The workers charge through
    the provider (WORKER_PAYMENT_PROVIDER_URL, see `payments_env`).

    Everything but Redis and Prometheus listens on `host` (loopback by default); those two always on
    loopback, since only the services (and this machine) talk to them. With `cluster`, a local Redis
    Cluster on ports.redis .. +5 replaces the one Redis and the services run on 3 shards.
    """
    redis_url = local_redis_url(ports.redis, cluster)
    shared = redis_env(cluster)
    gateway = f"http://{reach(host)}:{ports.gateway}"
    # AOF fsync policy: everysec may lose the last second of writes if the machine dies;
    # always loses nothing acknowledged, at some cost in write latency.
    appendfsync = os.environ.get("REDIS_APPENDFSYNC", "everysec")
    if cluster:
        services = redis_cluster_services(ports.redis, run_dir / "redis-cluster", appendfsync)
    else:
        services = [redis_service(ports.redis, run_dir / "redis", appendfsync)]
    services += [
        provider_service(ports.provider, redis_url, host, **shared, **(provider_env or {})),
        gateway_service(ports.gateway, redis_url, host, **shared, **(gateway_env or {})),
    ]
    workers_env = {**shared, **payments_env(ports, host)}
    services += [
        worker_service(f"worker-{i + 1}", port, redis_url, host, **workers_env) for i, port in enumerate(ports.workers)
    ]
    services.append(generator_service(ports.generator, gateway, host))
    services.append(live_service(ports.live, redis_url, gateway, host, **shared))
    if (ROOT / "frontend/dist/index.html").exists():
        services.append(
            nginx_service(
                ports.web,
                gateway,
                f"http://{reach(host)}:{ports.generator}",
                run_dir / "nginx",
                host,
                live=f"http://{reach(host)}:{ports.live}",
            )
        )
    if monitoring:
        workers_file = run_dir / "prometheus" / WORKER_TARGETS
        write_scrape_targets(workers_file, host, list(ports.workers))
        config = prometheus_config(ports, host, scrape_interval, workers_file)
        services.append(prometheus_service(ports.prometheus, config, run_dir / "prometheus"))
    return services


def payments_env(ports: Ports, host: str = LOOPBACK) -> dict[str, str]:
    """What the order workers need to charge through the local payment provider. A
    WORKER_PAYMENT_PROVIDER_URL of the shell wins (empty: payments off, orders confirmed once reserved).
    The workers reach the provider on loopback, where it needs no token (payment_provider/auth.py)."""
    if "WORKER_PAYMENT_PROVIDER_URL" in os.environ:
        return {}
    return {"WORKER_PAYMENT_PROVIDER_URL": f"http://{reach(host)}:{ports.provider}"}


def monitoring_from_env() -> bool:
    """MONITORING=1 (or true, yes, on) starts Prometheus with the stack; unset, empty or 0 does not."""
    value = os.environ.get("MONITORING", "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"MONITORING must be 1 or 0 (got {value!r})")


def busy_ports(ports: Ports, host: str = LOOPBACK, monitoring: bool = False, cluster: bool = False) -> list[str]:
    """A line for each port of the stack that something else already holds.

    Checked before anything starts: otherwise the readiness checks would be answered by whatever
    holds the port (another `make up`), and only Redis would fail, after "running" was printed.
    """
    if cluster:
        wanted = [(p, "redis cluster node", "REDIS_PORT", LOOPBACK) for p in cluster_node_ports(ports.redis)]
        wanted += [(p + 10000, "redis cluster bus", "REDIS_PORT", LOOPBACK) for p in cluster_node_ports(ports.redis)]
    else:
        wanted = [(ports.redis, "redis", "REDIS_PORT", LOOPBACK)]
    wanted.append((ports.gateway, "api gateway", "GATEWAY_PORT", host))
    wanted += [(p, f"order worker {i + 1}", "FIRST_WORKER_PORT", host) for i, p in enumerate(ports.workers)]
    wanted += [
        (ports.generator, "workload generator", "GENERATOR_PORT", host),
        (ports.provider, "payment provider", "PROVIDER_PORT", host),
        (ports.live, "live updates", "LIVE_PORT", host),
        (ports.web, "web app", "FRONTEND_PORT", host),
    ]
    if monitoring:
        wanted.append((ports.prometheus, "prometheus", "PROMETHEUS_PORT", LOOPBACK))
    taken = []
    for port, what, variable, address in wanted:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            # SO_REUSEADDR as the servers set it: a port left in TIME_WAIT by a stopped stack is free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((address, port))
            except OSError:
                taken.append(
                    f"port {port} ({what}) is in use; set {variable}=<another port> (e.g. "
                    f"{variable}={port + 1} make up)"
                )
    return taken


def check_exposure(host: str) -> str | None:
    """Why `make up` must not start on `host`, or None. Off loopback, the generator's control
    (which sends load wherever it is told, within its allow-list) must need a token."""
    if is_loopback(host) or os.environ.get("WORKLOAD_TOKEN", "").strip():
        return None
    return (
        f"HOST={host} makes the stack reachable from other machines: set WORKLOAD_TOKEN too "
        f"(e.g. HOST={host} WORKLOAD_TOKEN=$(openssl rand -hex 16) make up), so that only "
        "callers with the token can drive the load generator"
    )


def ports_from_env(workers: int) -> Ports:
    """The default ports, or those named by REDIS_PORT, GATEWAY_PORT, FIRST_WORKER_PORT (then +10
    per worker), GENERATOR_PORT, PROVIDER_PORT, LIVE_PORT and FRONTEND_PORT (the names Compose uses for its host ports)."""
    env = os.environ
    first_worker = int(env.get("FIRST_WORKER_PORT", 8001))
    return Ports(
        redis=int(env.get("REDIS_PORT", DEFAULT_REDIS_PORT)),
        gateway=int(env.get("GATEWAY_PORT", 8000)),
        workers=tuple(first_worker + 10 * i for i in range(workers)),
        generator=int(env.get("GENERATOR_PORT", 9000)),
        provider=int(env.get("PROVIDER_PORT", 8002)),
        live=int(env.get("LIVE_PORT", 8003)),
        web=int(env.get("FRONTEND_PORT", 8080)),
        prometheus=int(env.get("PROMETHEUS_PORT", DEFAULT_PROMETHEUS_PORT)),
    )


# The order-worker pool, which the local autoscaler resizes -----------------------------------


class WorkerPool:
    """The order workers as `make up` runs them: worker-<i+1> on FIRST_WORKER_PORT + 10·i.

    Grown by starting the next worker (ready before it counts); shrunk from the newest by SIGTERM,
    waiting for it to exit: a worker on SIGTERM stops reading, decides and acknowledges the batch
    in hand, removes its heartbeat and, holding nothing, its consumer from the group.
    """

    def __init__(
        self,
        redis_url: str,
        first_port: int,
        host: str,
        log_dir: Path | None,
        env: dict[str, str] | None = None,
        scrape_targets: Path | None = None,
    ) -> None:
        self.scrape_targets = scrape_targets  # with monitoring: Prometheus' list of the running workers
        self.redis_url = redis_url
        self.first_port = first_port
        self.host = host
        self.log_dir = log_dir
        self.env = env or {}
        self.processes: list[Process] = []

    def port(self, index: int) -> int:
        return self.first_port + 10 * index

    def service(self, index: int) -> Service:
        return worker_service(f"worker-{index + 1}", self.port(index), self.redis_url, self.host, **self.env)

    def replicas(self) -> int:
        return len(self.processes)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def scale_to(self, replicas: int) -> int:
        new = [Process(self.service(i), self.log_dir) for i in range(len(self.processes), replicas)]
        for process in new:  # started together, then each waited for: a scale-out of 4 costs one start-up
            try:
                wait_ready(process)
                self.processes.append(process)
            except (RuntimeError, TimeoutError) as e:
                print(f"autoscaler: {process.service.name} did not start ({e}); see its log", file=sys.stderr)
                process.stop()
        while len(self.processes) > max(replicas, 0):
            self.processes.pop().stop(timeout=60)
        if self.scrape_targets is not None:
            write_scrape_targets(self.scrape_targets, self.host, [self.port(i) for i in range(len(self.processes))])
        return len(self.processes)

    def stop(self) -> None:
        stop(self.processes)
        self.processes = []


class GatewayPool:
    """The gateway's gunicorn worker processes as replicas: gunicorn adds one on SIGTTIN and
    gracefully stops its oldest on SIGTTOU. The signals go to the arbiter only (its process, not
    its group: SIGTTIN's default action would stop the workers themselves)."""

    def __init__(self, arbiter: Process, replicas: int) -> None:
        self.arbiter = arbiter
        self.count = replicas  # what gunicorn was told; it converges within its ~1 s loop

    def replicas(self) -> int:
        return self.count

    def pids(self) -> list[int]:
        from tools.autoscaler.controller import children_of

        return children_of(self.arbiter.pid)

    def scale_to(self, replicas: int) -> int:
        if not self.arbiter.alive():
            return self.count
        sig = signal.SIGTTIN if replicas > self.count else signal.SIGTTOU
        step = 1 if replicas > self.count else -1
        while self.count != replicas:
            # One signal at a time, each seen through before the next: two identical signals
            # pending at once are delivered as one.
            before = len(self.pids())
            os.kill(self.arbiter.pid, sig)
            self.count += step
            deadline = time.monotonic() + 10
            while len(self.pids()) == before and time.monotonic() < deadline and self.arbiter.alive():
                time.sleep(0.05)
        return self.count


def load_autoscaling(workers: int):
    """(policy or None, initial workers) from AUTOSCALE, AUTOSCALE_OVERLAY, AUTOSCALE_TIME_SCALE;
    raises PolicyError with the one-line reason for a bad setting or an unreadable policy."""
    from tools.autoscaler.policy import WORKER, load_policy, settings_from_env

    settings = settings_from_env(os.environ)
    if not settings.enabled:
        return None, workers
    policy = load_policy(settings)
    target = policy.targets[WORKER]
    return policy, min(max(workers, target.min_replicas), target.max_replicas)


def overlay_env(settings: dict[str, str]) -> dict[str, str]:
    """The overlay's `settings` for a local service, less those the shell sets (the shell wins)."""
    return {k: v for k, v in settings.items() if k not in os.environ}


def up(args: argparse.Namespace) -> int:
    from tools.autoscaler.policy import GATEWAY, WORKER, PolicyError

    run_dir = Path(args.run_dir)
    try:
        policy, workers = load_autoscaling(args.workers)
    except PolicyError as e:
        print(f"make up: {e}", file=sys.stderr)
        return 1
    ports = ports_from_env(workers)
    # Loopback unless told otherwise: a laptop running the demo is no server for its Wi-Fi.
    host = os.environ.get("HOST", "").strip() or LOOPBACK
    refusal = check_exposure(host)
    try:
        monitoring = monitoring_from_env()
    except ValueError as e:
        monitoring, refusal = False, refusal or str(e)
    try:
        cluster = cluster_from_env()
    except ValueError as e:
        cluster, refusal = False, refusal or str(e)
    taken = busy_ports(ports, host, monitoring, cluster)
    if refusal or taken:
        for line in ([refusal] if refusal else []) + taken:
            print(f"make up: {line}", file=sys.stderr)
        return 1
    # An autoscaled gateway starts with its HPA's minimum of gunicorn workers (WEB_CONCURRENCY, when
    # set, within min-max), as the Deployment does with its replicas.
    gateway_target = policy.targets.get(GATEWAY) if policy else None
    gateway_replicas = 0
    gateway_env = {}
    if gateway_target is not None:
        wanted = int(os.environ.get("WEB_CONCURRENCY", "0").strip() or 0)
        gateway_replicas = min(max(wanted, gateway_target.min_replicas), gateway_target.max_replicas)
        gateway_env = {"WEB_CONCURRENCY": str(gateway_replicas)}
    # The demo catalogue (README, "Autoscaling in make up"), unless CATALOGUE_PATH chooses one.
    if not os.environ.get("CATALOGUE_PATH"):
        gateway_env["CATALOGUE_PATH"] = str(DEMO_CATALOGUE)
    # The overlay's per-order work, which its target assumes: its worker settings (concurrency, batch,
    # simulated work) for the workers and its payment latency for the provider, each unless the shell sets it.
    worker_env = {} if policy is None else overlay_env(policy.worker_env)
    provider_env = {} if policy is None else overlay_env(policy.provider_env)
    services = local_stack(
        run_dir,
        replace(ports, workers=()),
        host,
        monitoring,
        gateway_env=gateway_env,
        provider_env=provider_env,
        cluster=cluster,
    )
    redis_url = local_redis_url(ports.redis, cluster)
    worker_env.update(redis_env(cluster))
    worker_env.update(payments_env(ports, host))
    scrape_targets = run_dir / "prometheus" / WORKER_TARGETS if monitoring else None
    pool = WorkerPool(redis_url, ports.workers[0], host, run_dir / "logs", worker_env, scrape_targets)
    names = [s.name for s in services] + [pool.service(i).name for i in range(workers)]
    print(f"starting {', '.join(names)} (logs in {run_dir / 'logs'}) ...", flush=True)
    try:
        processes = start(services, run_dir / "logs")
    except (RuntimeError, TimeoutError) as e:
        print(f"make up failed: {e}; see {run_dir / 'logs'}", file=sys.stderr)
        return 1
    if pool.scale_to(workers) != workers:
        print(f"make up failed: the order workers did not start; see {run_dir / 'logs'}", file=sys.stderr)
        pool.stop()
        stop(processes)
        return 1
    autoscaler = None
    if policy is not None:
        from ticketing_common import redis_client
        from tools.autoscaler.controller import Autoscaler

        client = redis_client.connect(redis_url, cluster=cluster, socket_timeout=5)
        pools: dict = {WORKER: pool}
        if gateway_target is not None:
            pools[GATEWAY] = GatewayPool(
                next(p for p in processes if p.service.name == "api-gateway"), gateway_replicas
            )
        autoscaler = Autoscaler(policy, pools, client, log=lambda line: print(line, flush=True))
    started = {p.service.name for p in processes}
    where = "" if is_loopback(host) else f" (listening on {host}; the generator's control needs WORKLOAD_TOKEN)"
    print(f"\nThe ticketing system is running{where}:")
    if "nginx" in started:
        print(f"  Web app              http://localhost:{ports.web}")
    print(f"  API gateway          http://localhost:{ports.gateway}   (docs: http://localhost:{ports.gateway}/docs)")
    for i, port in enumerate(ports.workers):
        print(f"  Order worker {i + 1}       http://localhost:{port}/stats")
    print(f"  Workload generator   http://localhost:{ports.generator}/stats")
    print(
        f"  Payment provider     http://localhost:{ports.provider}/ledger   (docs: http://localhost:{ports.provider}/docs)"
    )
    print(f"  Live updates (SSE)   http://localhost:{ports.live}/stock   (through the web app: /live/)")
    if cluster:
        last = cluster_node_ports(ports.redis)[-1]
        print(f"  Redis Cluster        {redis_url} .. :{last}   (3 masters + 3 replicas, {CLUSTER_SHARDS} shards)")
    else:
        print(f"  Redis                {redis_url}")
    if "prometheus" in started:
        print(
            f"  Prometheus           http://localhost:{ports.prometheus}   (alerts: http://localhost:{ports.prometheus}/alerts)"
        )
    if policy is None:
        print(f"\nautoscaling: off (AUTOSCALE=0): a fixed {workers} order workers")
    else:
        more = f", up to port {pool.port(policy.targets[WORKER].max_replicas - 1)}"
        # The per-order work as it runs (the shell's settings win over the overlay's).
        summary = policy.as_run(os.environ).summary((WORKER, GATEWAY))
        print(f"\nautoscaling: on ({summary}); workers {ports.workers[0]} + 10 each{more}")
    print("\nPress Ctrl-C to stop everything.", flush=True)

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return_code = 0
    next_sync = time.monotonic() + (policy.sync_period if policy else 0)
    try:
        while not stopping:
            dead = [p for p in processes + pool.processes if not p.alive()]
            if dead:
                print(
                    f"{dead[0].service.name} exited (code {dead[0].popen.returncode}); stopping the rest. "
                    f"See {dead[0].log_path}",
                    file=sys.stderr,
                )
                return_code = 1
                break
            if autoscaler is not None and policy is not None and time.monotonic() >= next_sync:
                # Like the HPA controller: one sync per period, whatever the previous one took.
                next_sync = time.monotonic() + policy.sync_period
                autoscaler.tick()
            time.sleep(min(0.5, policy.sync_period / 3) if policy else 0.5)
    finally:
        print("\nstopping ...", flush=True)
        # The workers first, while Redis is up: each acknowledges the batch in hand.
        pool.stop()
        stop(processes)
        print("stopped.")
    return return_code


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.stack")
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="start the whole stack on localhost until Ctrl-C")
    up_parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="order workers to start (default 2; with autoscaling, within the policy's min and max)",
    )
    up_parser.add_argument(
        "--run-dir", default=str(ROOT / ".run"), help="Redis data, logs, Nginx config (default .run)"
    )
    args = parser.parse_args()
    raise SystemExit(up(args))


if __name__ == "__main__":
    main()
