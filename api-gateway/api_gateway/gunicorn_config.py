"""gunicorn's settings for the gateway, derived from GatewaySettings."""

from __future__ import annotations

from prometheus_client import multiprocess

from .settings import GatewaySettings


def child_exit(server, worker) -> None:
    # A dead worker's live gauges must not linger in the metrics it leaves behind.
    multiprocess.mark_process_dead(worker.pid)


def json_logging(level: str) -> dict:
    """gunicorn's own logs as JSON on stdout too, like every other line the gateway writes."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ticketing_common.logs.JsonFormatter", "service": "api-gateway"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {"gunicorn.error": {"level": level, "handlers": ["stdout"], "propagate": False}},
    }


def options(settings: GatewaySettings) -> dict:
    return {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        "worker_class": "gthread",
        "threads": settings.gunicorn_threads,
        # Keep-alive a little longer than a typical load balancer's idle timeout.
        "keepalive": 75,
        "graceful_timeout": 20,
        # A worker may spend up to REDIS_STARTUP_TIMEOUT waiting for Redis while it boots:
        # gunicorn must not take that wait for a hung worker.
        "timeout": int(settings.redis_startup_timeout) + 30,
        "accesslog": None,
        "loglevel": settings.log_level.lower(),
        "logconfig_dict": json_logging(settings.log_level),
        "child_exit": child_exit,
        # gunicorn's control socket (gunicornc) lives under $HOME, which is read-only in
        # the container; the gateway is managed by signals, so it is not needed.
        "control_socket_disable": True,
    }
