"""Schemathesis fuzzes the real provider process (uvicorn, real HTTP, real Redis) from its own
/openapi.json: no 5xx, and every answer conforms to the documented statuses and schemas. The mix is
all approvals here: a simulated error's 503 is documented behaviour, not a fault."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.redis_server import free_port
from tools.stack import provider_service, start, stop

pytestmark = pytest.mark.system

CASES_PER_OPERATION = 50
SEED = 20261202  # fixed, so that CI is reproducible


def test_schemathesis_finds_no_5xx_and_no_answer_off_the_documented_schema(real_redis, redis_url, tmp_path):
    port = free_port()
    env = {
        "PAYMENT_OUTCOME_MIX": "approve=100",
        "PAYMENT_LATENCY_MS_MEDIAN": "0",
        "PAYMENT_TIMEOUT_DELAY_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    processes = start([provider_service(port, redis_url, **env)], tmp_path / "logs")
    try:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--max-examples",
                str(CASES_PER_OPERATION),
                "--seed",
                str(SEED),
                "--checks",
                "all",
                # Valid-by-schema requests may still be refused on meaning (a key charged with another
                # amount, an amount above PAYMENT_MAX_AMOUNT, a refund of a key never charged).
                "--exclude-checks",
                "positive_data_acceptance",
                "--request-timeout",
                "10",
            ],
            capture_output=True,
            text=True,
            timeout=540,
            cwd=tmp_path,
        )
    finally:
        stop(processes)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
