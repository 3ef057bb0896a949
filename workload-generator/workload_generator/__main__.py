"""`python -m workload_generator [serve|run ...]`: validate settings, then serve the control API or run once.

Settings are checked first, so a bad value stops the generator with one line naming it.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ticketing_common.logs import configure_logging
from ticketing_common.settings import load_settings

from . import cli
from .settings import WorkloadSettings

SERVICE = "workload-generator"


def serve(settings: WorkloadSettings) -> None:
    import uvicorn

    from .app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # uvicorn.run reads WEB_CONCURRENCY as its worker count when workers is None, and then
        # exits: an app object cannot be shared by several processes. One process, always.
        workers=1,
        loop="uvloop",
        http="httptools",
        log_config=None,  # keep the JSON root handler configured above
        access_log=False,  # the dashboard polls /stats every second: access lines would be noise
        timeout_graceful_shutdown=10,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workload_generator", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the control API on $PORT (the default)")
    cli.add_arguments(sub.add_parser("run", help="one run from the command line, then a summary"))
    args = parser.parse_args(argv)

    settings = load_settings(WorkloadSettings, SERVICE)
    if args.command == "run":
        # Human output on stdout; only warnings are logged, to stderr.
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        raise SystemExit(cli.main(settings, args))
    configure_logging(SERVICE, settings.log_level)
    # httpx logs every request at INFO: at hundreds per second that would drown the service's own lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    serve(settings)


if __name__ == "__main__":
    main()
