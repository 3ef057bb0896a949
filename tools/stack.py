"""Run the whole stack as local processes: `make up` (python -m tools.stack up).

The same helpers start the real services for the system tests and the benchmarks,
so what they test is what `make up` runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
            out = open(self.log_path, "ab")
        # Own session: a Ctrl-C in the terminal reaches the supervisor only, which then
        # stops every service in order instead of all at once.
        self.popen = subprocess.Popen(
            service.argv, env=env, cwd=service.cwd, stdout=out, stderr=subprocess.STDOUT if out else None,
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

def redis_service(port: int, data_dir: Path, appendfsync: str = "everysec") -> Service:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Service(
        "redis",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
         "--appendonly", "yes", "--appendfsync", appendfsync, "--save", "",
         # Order hashes stay compact listpacks: half the memory per order (docs/performance.md).
         "--hash-max-listpack-value", "1024"],
        ready_url=f"tcp://127.0.0.1:{port}",
    )


def gateway_service(port: int, redis_url: str, **env: str) -> Service:
    return Service(
        "api-gateway", [PYTHON, "-m", "api_gateway"],
        {"PORT": str(port), "REDIS_URL": redis_url, **env}, f"http://127.0.0.1:{port}/readyz",
    )


def worker_service(name: str, port: int, redis_url: str, **env: str) -> Service:
    return Service(
        name, [PYTHON, "-m", "order_worker"],
        {"PORT": str(port), "REDIS_URL": redis_url, "CONSUMER_NAME": name, **env},
        f"http://127.0.0.1:{port}/readyz",
    )


def generator_service(port: int, target_api: str, **env: str) -> Service:
    return Service(
        "workload-generator", [PYTHON, "-m", "workload_generator"],
        {"PORT": str(port), "TARGET_API": target_api, **env}, f"http://127.0.0.1:{port}/readyz",
    )


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
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

TEMPLATE_VARIABLES = ("NGINX_PORT", "API_UPSTREAM", "WORKLOAD_UPSTREAM", "STATIC_ROOT")


def render_template(template: str, values: dict[str, str]) -> str:
    """envsubst limited to our variables, as the nginx image does: nginx's own $vars stay."""
    for name in TEMPLATE_VARIABLES:
        template = template.replace("${" + name + "}", values[name])
    return template


def nginx_service(port: int, api: str, workload: str, run_dir: Path) -> Service:
    """Nginx serving the built frontend with the same server template as the image."""
    run_dir.mkdir(parents=True, exist_ok=True)
    template = (ROOT / "frontend/nginx/default.conf.template").read_text()
    values = {"NGINX_PORT": str(port), "API_UPSTREAM": api, "WORKLOAD_UPSTREAM": workload,
              "STATIC_ROOT": str(ROOT / "frontend/dist")}
    (run_dir / "default.conf").write_text(render_template(template, values))
    mime_types = next((p for p in ("/etc/nginx/mime.types", "/usr/local/etc/nginx/mime.types",
                                   "/opt/homebrew/etc/nginx/mime.types") if Path(p).exists()), "mime.types")
    (run_dir / "nginx.conf").write_text(NGINX_CONF.format(run=run_dir, mime_types=mime_types))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return Service("nginx", [nginx, "-c", str(run_dir / "nginx.conf"), "-p", str(run_dir)],
                   ready_url=f"http://127.0.0.1:{port}/")


@dataclass(frozen=True)
class Ports:
    redis: int = DEFAULT_REDIS_PORT
    gateway: int = 8000
    workers: tuple[int, ...] = (8001, 8011)  # one order worker per port
    generator: int = 9000
    web: int = 8080


def local_stack(run_dir: Path, ports: Ports) -> list[Service]:
    """Redis, the gateway, the order workers, the generator and Nginx, as `make up` runs them."""
    redis_url = f"redis://127.0.0.1:{ports.redis}/0"
    gateway = f"http://127.0.0.1:{ports.gateway}"
    # AOF fsync policy: everysec may lose the last second of writes if the machine dies;
    # always loses nothing acknowledged, at some cost in write latency.
    appendfsync = os.environ.get("REDIS_APPENDFSYNC", "everysec")
    services = [redis_service(ports.redis, run_dir / "redis", appendfsync), gateway_service(ports.gateway, redis_url)]
    services += [worker_service(f"worker-{i + 1}", port, redis_url) for i, port in enumerate(ports.workers)]
    services.append(generator_service(ports.generator, gateway))
    if (ROOT / "frontend/dist/index.html").exists():
        services.append(nginx_service(ports.web, gateway, f"http://127.0.0.1:{ports.generator}", run_dir / "nginx"))
    return services


def ports_from_env(workers: int) -> Ports:
    """The default ports, or those named by REDIS_PORT, GATEWAY_PORT, FIRST_WORKER_PORT (then +10
    per worker), GENERATOR_PORT and FRONTEND_PORT (the names Compose uses for its host ports)."""
    env = os.environ
    first_worker = int(env.get("FIRST_WORKER_PORT", 8001))
    return Ports(
        redis=int(env.get("REDIS_PORT", DEFAULT_REDIS_PORT)),
        gateway=int(env.get("GATEWAY_PORT", 8000)),
        workers=tuple(first_worker + 10 * i for i in range(workers)),
        generator=int(env.get("GENERATOR_PORT", 9000)),
        web=int(env.get("FRONTEND_PORT", 8080)),
    )


def up(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    ports = ports_from_env(args.workers)
    services = local_stack(run_dir, ports)
    print(f"starting {', '.join(s.name for s in services)} (logs in {run_dir / 'logs'}) ...", flush=True)
    try:
        processes = start(services, run_dir / "logs")
    except (RuntimeError, TimeoutError) as e:
        print(f"make up failed: {e}; see {run_dir / 'logs'}", file=sys.stderr)
        return 1
    names = {p.service.name for p in processes}
    print("\nThe ticketing system is running:")
    if "nginx" in names:
        print(f"  Web app              http://localhost:{ports.web}")
    print(f"  API gateway          http://localhost:{ports.gateway}   (docs: http://localhost:{ports.gateway}/docs)")
    for i, port in enumerate(ports.workers):
        print(f"  Order worker {i + 1}       http://localhost:{port}/stats")
    print(f"  Workload generator   http://localhost:{ports.generator}/stats")
    print(f"  Redis                redis://127.0.0.1:{ports.redis}/0")
    print("\nPress Ctrl-C to stop everything.", flush=True)

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return_code = 0
    try:
        while not stopping:
            dead = [p for p in processes if not p.alive()]
            if dead:
                print(f"{dead[0].service.name} exited (code {dead[0].popen.returncode}); stopping the rest. "
                      f"See {dead[0].log_path}", file=sys.stderr)
                return_code = 1
                break
            time.sleep(0.5)
    finally:
        print("\nstopping ...", flush=True)
        stop(processes)
        print("stopped.")
    return return_code


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.stack")
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="start the whole stack on localhost until Ctrl-C")
    up_parser.add_argument("--workers", type=int, default=2, help="order workers to start (default 2)")
    up_parser.add_argument("--run-dir", default=str(ROOT / ".run"), help="Redis data, logs, Nginx config (default .run)")
    args = parser.parse_args()
    raise SystemExit(up(args))


if __name__ == "__main__":
    main()
