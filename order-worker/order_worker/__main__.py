"""`python -m order_worker`: validate settings, then serve the worker under uvicorn."""

from __future__ import annotations

import uvicorn

from ticketing_common.logs import configure_logging
from ticketing_common.settings import load_settings

from .settings import WorkerSettings

SERVICE = "order-worker"


def main() -> None:
    settings = load_settings(WorkerSettings, SERVICE)
    configure_logging(SERVICE, settings.log_level)
    from .app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # workers=1 explicitly: uvicorn otherwise takes WEB_CONCURRENCY (set by platforms for web
        # processes) as a worker count and exits, as it cannot fork an app object. One process
        # per worker; scale out by running more of them.
        workers=1,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=25,
    )


if __name__ == "__main__":
    main()
