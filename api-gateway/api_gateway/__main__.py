"""`python -m api_gateway [serve|reset-demo]`: validate settings, then serve under gunicorn or reset.

Settings are checked here, before gunicorn forks, so a bad value stops the gateway
with one line naming it instead of a worker boot loop.
"""

from __future__ import annotations

import argparse
import sys

from ticketing_common.logs import configure_logging
from ticketing_common.settings import load_settings

from .catalogue import CatalogueError, load_catalogue, read_catalogue
from .settings import GatewaySettings

SERVICE = "api-gateway"


def serve(settings: GatewaySettings) -> None:
    # prometheus_client must first be imported after run() sets PROMETHEUS_MULTIPROC_DIR:
    # the app (and its metrics) is imported in each gunicorn worker, not here.
    from .gunicorn_config import run

    def load_app():
        from .app import create_app

        return create_app(settings)

    run(settings, load_app)


def reset_demo(settings: GatewaySettings, confirmed: bool) -> None:
    from typing import cast

    import redis

    from ticketing_common import redis_client

    from .demo_reset import reset_demo as reset

    if not confirmed:
        print("reset-demo deletes every order and resets all stock; run again with --yes", file=sys.stderr)
        raise SystemExit(1)
    client = cast("redis.Redis", redis_client.from_settings(settings, socket_timeout=None))
    try:
        # The catalogue Redis has (organisers' events included); the seed file where it has none yet.
        catalogue = read_catalogue(client, settings.default_event_id) or load_catalogue(
            settings.catalogue_path, settings.redis_shards, settings.default_event_id
        )
        deleted = reset(client, catalogue, settings.shards)
    except (redis.ConnectionError, redis.TimeoutError) as e:
        # An operator's command: one line saying what is wrong, not a traceback.
        print(f"reset-demo: cannot reach Redis at {_redacted(settings.redis_url)}: {e}", file=sys.stderr)
        raise SystemExit(1) from None
    except redis.RedisError as e:
        print(f"reset-demo: Redis at {_redacted(settings.redis_url)} refused the reset: {e}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"reset: {deleted} orders deleted, stock re-initialised from the catalogue's {len(catalogue.events)} events")


def _redacted(url: str) -> str:
    """The URL without its password, fit for a message."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api_gateway", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the API under gunicorn (the default)")
    reset_parser = sub.add_parser("reset-demo", help="delete all orders and reset stock to the catalogue")
    reset_parser.add_argument("--yes", action="store_true", help="really do it")
    args = parser.parse_args(argv)

    settings = load_settings(GatewaySettings, SERVICE)
    try:
        load_catalogue(settings.catalogue_path, settings.redis_shards, settings.default_event_id)
    except CatalogueError as e:
        print(f"{SERVICE}: bad configuration: CATALOGUE_PATH: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(SERVICE, settings.log_level)
    if args.command == "reset-demo":
        reset_demo(settings, args.yes)
    else:
        serve(settings)


if __name__ == "__main__":
    main()
