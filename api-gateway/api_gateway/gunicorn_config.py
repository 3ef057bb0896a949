"""gunicorn's settings for the gateway, derived from GatewaySettings."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable

from gunicorn import glogging, util
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from ticketing_common.logs import JsonFormatter

from .settings import GatewaySettings


def child_exit(server, worker) -> None:
    # A dead worker's live gauges must not linger in the metrics it leaves behind. Imported here:
    # prometheus_client picks its multiprocess mode when first imported, after run() sets it up.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class JsonLogger(glogging.Logger):
    """gunicorn's own messages as JSON on stdout, like every other line the gateway writes.

    No access log: /metrics counts requests by route and status, and formatting an access
    line for every request costs about 5 % of the gateway's CPU (measured, docs/performance.md).
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter("api-gateway"))
        self.error_log.handlers = [handler]

    def access(self, resp, req, environ, request_time) -> None:
        pass


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answer (a request line, URL or headers it refused before the app saw
    them) as the API's JSON error body instead of its HTML page."""
    detail = mesg[:200]  # gunicorn's message may quote the offending request; keep the body small
    body = json.dumps({"error": f"{reason.lower()}: {detail}" if detail else reason.lower()}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrorThreadWorker(ThreadWorker):
    """gunicorn's gthread worker whose own error responses (400, 414, 431, ...) are JSON.

    Worker.handle_error maps each parsing error to its status and writes the answer through
    gunicorn.util.write_error, the only writer of those pages. Replacing that one function, in this
    worker process only, keeps gunicorn's mapping of errors to statuses instead of copying it.
    """

    def init_process(self) -> None:
        util.write_error = write_json_error
        super().init_process()


class JsonErrorSyncWorker(SyncWorker):
    """gunicorn's sync worker with JSON errors: one request at a time per process, a connection per
    request (no keep-alive). Only an idle process accepts, so requests wait in the one listen queue in
    arrival order instead of behind a busy process's kept-alive connections (docs/performance.md)."""

    def init_process(self) -> None:
        util.write_error = write_json_error
        super().init_process()


def worker_class(name: str) -> type:
    return JsonErrorSyncWorker if name == "sync" else JsonErrorThreadWorker


def options(settings: GatewaySettings) -> dict:
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.web_concurrency,
        "worker_class": worker_class(settings.gunicorn_worker_class),
        "threads": settings.gunicorn_threads,
        # Keep-alive a little longer than a typical load balancer's idle timeout.
        "keepalive": 75,
        "graceful_timeout": 20,
        # A worker may spend up to REDIS_STARTUP_TIMEOUT waiting for Redis while it boots:
        # gunicorn must not take that wait for a hung worker.
        "timeout": int(settings.redis_startup_timeout) + 30,
        "accesslog": None,
        "loglevel": settings.log_level.lower(),
        "logger_class": JsonLogger,
        "child_exit": child_exit,
        # gunicorn's control socket (gunicornc) lives under $HOME, which is read-only in
        # the container; the gateway is managed by signals, so it is not needed.
        "control_socket_disable": True,
    }


def run(settings: GatewaySettings, load_app: Callable[[], object]) -> None:
    """Serve the WSGI app that `load_app` builds (in each worker) under gunicorn with these options.

    Each gunicorn worker counts its own metrics; PROMETHEUS_MULTIPROC_DIR lets /metrics add them
    up. A fresh directory each start: stale files from a previous run would add old counts.
    """
    from gunicorn.app.base import BaseApplication

    metrics_dir = tempfile.mkdtemp(prefix="gateway-metrics-", dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

    class Gunicorn(BaseApplication):
        def load_config(self):
            for key, value in options(settings).items():
                self.cfg.set(key, value)

        def load(self):
            return load_app()

    arbiter = os.getpid()
    try:
        Gunicorn().run()
    finally:
        # Only in the arbiter: a gunicorn worker leaving (SIGTTOU, a graceful restart) unwinds through
        # this frame too, since it is a fork of it, and must not delete the other workers' metric files.
        if os.getpid() == arbiter:
            shutil.rmtree(metrics_dir, ignore_errors=True)
