"""Settings: defaults, and a bad value or mix stopping the provider at start with one line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from payment_provider.settings import PaymentSettings
from ticketing_common.settings import describe_error

PAYMENT_VARIABLES = (
    "PORT",
    "HOST",
    "PAYMENT_OUTCOME_MIX",
    "PAYMENT_LATENCY_MS_MEDIAN",
    "PAYMENT_LATENCY_SIGMA",
    "PAYMENT_LATENCY_MAX_MS",
    "PAYMENT_TIMEOUT_DELAY_SECONDS",
    "PAYMENT_TOKEN",
    "PAYMENT_CURRENCY",
    "PAYMENT_MAX_AMOUNT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in PAYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_the_defaults_are_the_contracts():
    s = PaymentSettings()
    assert (s.host, s.port) == ("127.0.0.1", 8002)
    assert s.mix().as_dict() == {"approve": 80, "decline": 10, "error": 10, "timeout": 0}
    assert (s.payment_latency_ms_median, s.payment_latency_sigma) == (50, 0.5)
    assert s.payment_timeout_delay_seconds == 30
    assert s.token() is None
    assert s.max_amount_cents() == 10_000_000


def test_settings_are_read_from_payment_variables(monkeypatch):
    monkeypatch.setenv("PAYMENT_OUTCOME_MIX", "approve=50,timeout=50")
    monkeypatch.setenv("PAYMENT_LATENCY_MS_MEDIAN", "20")
    monkeypatch.setenv("PAYMENT_TOKEN", "a-token-of-sixteen-chars")
    monkeypatch.setenv("PAYMENT_MAX_AMOUNT", "250.5")
    s = PaymentSettings()
    assert s.mix().as_dict()["timeout"] == 50
    assert s.latency().median_ms == 20
    assert s.token() == "a-token-of-sixteen-chars"
    assert s.payment_max_amount == "250.50"


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("PAYMENT_OUTCOME_MIX", "approve=80,decline=10", "PAYMENT_OUTCOME_MIX: the percentages must add up to 100"),
        ("PAYMENT_OUTCOME_MIX", "approve=90,chargeback=10", "PAYMENT_OUTCOME_MIX: unknown outcome 'chargeback'"),
        ("PAYMENT_LATENCY_MS_MEDIAN", "-1", "PAYMENT_LATENCY_MS_MEDIAN: Input should be greater than or equal to 0"),
        ("PAYMENT_LATENCY_SIGMA", "lots", "PAYMENT_LATENCY_SIGMA: Input should be a valid number"),
        ("PAYMENT_LATENCY_MAX_MS", "10", "PAYMENT_LATENCY_MAX_MS (10) must be at least PAYMENT_LATENCY_MS_MEDIAN (50)"),
        ("PAYMENT_CURRENCY", "euro", "PAYMENT_CURRENCY: must be a three-letter upper-case currency code"),
        ("PAYMENT_MAX_AMOUNT", "0", "PAYMENT_MAX_AMOUNT: must be more than 0"),
        ("PAYMENT_TOKEN", "short", "PAYMENT_TOKEN: must be at least 16 characters"),
        ("PORT", "70000", "PORT: Input should be less than or equal to 65535"),
    ],
)
def test_a_bad_setting_is_named_with_its_reason(monkeypatch, variable, value, reason):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as e:
        PaymentSettings()
    assert reason in describe_error(e.value)


def test_an_empty_token_means_no_token(monkeypatch):
    monkeypatch.setenv("PAYMENT_TOKEN", "  ")
    assert PaymentSettings().token() is None


def test_the_service_refuses_to_start_on_a_bad_mix_with_one_line(monkeypatch):
    monkeypatch.setenv("PAYMENT_OUTCOME_MIX", "approve=80,decline=10,error=5")
    proc = subprocess.run([sys.executable, "-m", "payment_provider"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        "payment-provider: bad configuration: PAYMENT_OUTCOME_MIX: the percentages must add up to 100 "
        "(they add up to 95) (got 'approve=80,decline=10,error=5')"
    ]
