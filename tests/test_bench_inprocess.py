"""bench/inprocess.py drives each app to real 201 answers, and the report renders its table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from bench import inprocess, report
from bench.fixtures import catalogue


@pytest.fixture
def gateway_env(tmp_path: Path, redis_url: str, real_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    cat = tmp_path / "catalogue.json"
    cat.write_text(json.dumps(catalogue()))
    for name, value in {
        "REDIS_URL": redis_url,
        "CATALOGUE_PATH": str(cat),
        "MAX_STREAM_BACKLOG": "0",
        "STOCK_CHECK_INTERVAL_SECONDS": "0",
        "ROOM_TICK_INTERVAL_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("target", inprocess.TARGETS)
def test_every_target_answers_every_request_201(gateway_env: None, real_redis: redis.Redis, target: str) -> None:
    result = inprocess.measure(target, requests=20, rounds=2)
    assert result["statuses"] == {"201 CREATED": 60}  # the warm-up round and two measured rounds
    assert result["cpu_us_per_request"] > 0 and len(result["cpu_us_per_round"]) == 2
    stored = sum(1 for _ in real_redis.scan_iter("ticketing:*order:*"))
    assert stored == (60 if target == "gateway" else 0)  # only the real gateway writes orders


def test_the_report_shows_the_apps_alone() -> None:
    r = {
        "targets": {},
        "connections": 32,
        "rounds": 3,
        "seconds_per_run": 6,
        "in_process": {"gateway": {"cpu_us_per_request": 444.0, "cpu_us_per_round": [444.0, 450.2]}},
    }
    text = "\n".join(report.gateway(r))
    assert "| `gateway` | 444 | 444, 450 |" in text
