"""Bad configuration stops the service at start, with one line naming the variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from live_updates.settings import LiveSettings

from .conftest import run_service


def test_the_defaults_are_valid_and_on_loopback():
    settings = LiveSettings()
    assert (settings.host, settings.port, settings.live_keepalive_seconds, settings.live_retry_ms) == (
        "127.0.0.1",
        8003,
        15.0,
        2000,
    )


@pytest.mark.parametrize(
    "env, named",
    [
        ({"LIVE_GATEWAY_URL": "ftp://gateway"}, "LIVE_GATEWAY_URL"),
        ({"LIVE_QUEUE_SIZE": "1"}, "LIVE_QUEUE_SIZE"),
        ({"LIVE_KEEPALIVE_SECONDS": "0"}, "LIVE_KEEPALIVE_SECONDS"),
        ({"PORT": "70000"}, "PORT"),
        ({"LIVE_READ_BLOCK_MS": "6000", "REDIS_SOCKET_TIMEOUT": "5"}, "LIVE_READ_BLOCK_MS"),
        ({"REDIS_SHARDS": "0"}, "REDIS_SHARDS"),
        ({"REDIS_SHARDS": "65"}, "REDIS_SHARDS"),
        ({"REDIS_SHARDS": "three"}, "REDIS_SHARDS"),
    ],
)
def test_a_bad_setting_stops_the_service_with_one_line(env, named):
    done = run_service(env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("live-updates: bad configuration:") and named in lines[0]


def test_a_trailing_slash_is_dropped_from_the_gateway_url():
    assert LiveSettings(live_gateway_url="http://gw:8000/").live_gateway_url == "http://gw:8000"


def test_the_cross_check_names_both_variables():
    with pytest.raises(ValidationError, match="REDIS_SOCKET_TIMEOUT"):
        LiveSettings(live_read_block_ms=5000, redis_socket_timeout=5)
