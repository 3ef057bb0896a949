"""`python -m live_updates`: validate settings, then serve the live updates under uvicorn.

Settings are checked first, so a bad value stops it with one line naming it.
"""

from __future__ import annotations

from ticketing_common.logs import configure_logging
from ticketing_common.settings import load_settings

from .settings import LiveSettings

SERVICE = "live-updates"


def main() -> None:
    settings = load_settings(LiveSettings, SERVICE)
    configure_logging(SERVICE, settings.log_level)
    import uvicorn

    from .app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # One process, one event loop: every subscriber of it shares the one reader of each channel.
        # Scale out with replicas (each reads the streams itself); WEB_CONCURRENCY is not a worker count here.
        workers=1,
        log_config=None,  # keep the JSON root handler configured above
        access_log=False,
        # Streams never finish by themselves: on SIGTERM they are closed (lifespan) and the browsers
        # reconnect elsewhere, so shutdown need not wait long.
        timeout_graceful_shutdown=3,
        # Many idle connections: uvicorn's default backlog and keep-alive suit them; no request limit.
        backlog=4096,
    )


if __name__ == "__main__":
    main()
