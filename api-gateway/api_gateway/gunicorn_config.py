"""gunicorn's settings for the gateway, derived from GatewaySettings."""

from __future__ import annotations

from prometheus_client import multiprocess

from .settings import GatewaySettings


def child_exit(server, worker) -> None:
    # A dead worker's live gauges must not linger in the metrics it leaves behind.
    multiprocess.mark_process_dead(worker.pid)


def options(settings: GatewaySettings) -> dict:
    return {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        "worker_class": "gthread",
        "threads": settings.gunicorn_threads,
        # Keep-alive a little longer than a typical load balancer's idle timeout.
        "keepalive": 75,
        "graceful_timeout": 20,
        "timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "child_exit": child_exit,
        # gunicorn's control socket (gunicornc) lives under $HOME, which is read-only in
        # the container; the gateway is managed by signals, so it is not needed.
        "control_socket_disable": True,
    }
