"""`python -m payment_provider`: validate settings, then serve the provider under uvicorn.

Settings are checked first, so a bad value (an outcome mix that does not add up, say) stops it with
one line naming it.
"""

from __future__ import annotations

from ticketing_common.logs import configure_logging
from ticketing_common.settings import load_settings

from .settings import PaymentSettings

SERVICE = "payment-provider"


def main() -> None:
    settings = load_settings(PaymentSettings, SERVICE)
    configure_logging(SERVICE, settings.log_level)
    import uvicorn

    from .app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # One process: uvicorn would otherwise take WEB_CONCURRENCY as a worker count and exit
        # (an app object cannot be forked). Scale out with replicas; the state is in Redis.
        workers=1,
        log_config=None,  # keep the JSON root handler configured above
        access_log=False,  # a line per charge at hundreds per second would drown the service's own
        # A simulated timeout holds its answer PAYMENT_TIMEOUT_DELAY_SECONDS: on SIGTERM it is not
        # waited for (the charge is recorded; the caller asks GET /charges/{key}).
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
