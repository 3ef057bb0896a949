"""Schemathesis fuzzes the real gateway (gunicorn, real HTTP) from its own /openapi.json: for every
operation, a bounded number of generated requests, valid and invalid. No answer may be a 5xx, and
every answer must conform to the documented status codes, headers and schemas."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

ADMIN_TOKEN = "fuzzing-admin-token-0123456789"
CASES_PER_OPERATION = 50
SEED = 20261122  # fixed, so that CI is reproducible; change it to explore further


def test_schemathesis_finds_no_5xx_and_no_answer_off_the_documented_schema(system, tmp_path):
    gateway = system.start_gateway(ADMIN_TOKEN=ADMIN_TOKEN)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{gateway}/openapi.json",
            "--max-examples",
            str(CASES_PER_OPERATION),
            "--seed",
            str(SEED),
            "--checks",
            "all",
            # Valid-by-schema requests may still be refused on meaning (an unknown ticket id,
            # min_price above max_price): the API's rules go beyond what a schema can say.
            "--exclude-checks",
            "positive_data_acceptance",
            "--header",
            f"Authorization: Bearer {ADMIN_TOKEN}",
            "--request-timeout",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=540,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
