"""The rule file: promtool checks it and runs its unit tests, and every alert is complete and tested.

promtool comes with Debian's prometheus package (make test installs it with
tools/install-system-deps.sh); without it these tests fail, they do not skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .contract import CONTRACT

RULES_DIR = Path(__file__).resolve().parents[2] / "k8s/components/monitoring/rules"
RULES = RULES_DIR / "ticketing.rules.yml"
RULE_TESTS = RULES_DIR / "ticketing.rules.test.yml"

ALERTS = {
    "TicketingBacklogGrowingAtMaxReplicas",
    "TicketingDeadLetters",
    "TicketingStockDrift",
    "TicketingConsumerHoldingWhileIdle",
    "TicketingIntakeErrors",
    "TicketingTargetDown",
}
RECORDS = {
    "ticketing:orders_decided:rate1m",
    "ticketing:orders_created:rate1m",
    "ticketing:decision_latency_seconds:p50",
    "ticketing:decision_latency_seconds:p99",
    "ticketing:stream_backlog",
    "ticketing:stream_lag_per_worker",
    "ticketing:stock_drift_tickets",
    "ticketing:dead_letter_entries",
    "ticketing:intake_errors:ratio_rate5m",
}
# Series the rules may read that no service of ours exports: Prometheus' own, kube-state-metrics'.
FOREIGN = {
    "up",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
}


def promtool(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("promtool")
    assert exe, "promtool is missing: tools/install-system-deps.sh prometheus installs it (make test does)"
    return subprocess.run([exe, *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=120)


def groups() -> dict[str, list[dict]]:
    return {g["name"]: g["rules"] for g in yaml.safe_load(RULES.read_text())["groups"]}


def test_promtool_accepts_the_rule_file():
    result = promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_fire_and_stay_quiet_as_their_unit_tests_say():
    result = promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contract_groups_records_and_alerts_and_nothing_else():
    g = groups()
    assert set(g) == {"ticketing.recording", "ticketing.alerts"}
    assert {r["record"] for r in g["ticketing.recording"]} == RECORDS
    assert {r["alert"] for r in g["ticketing.alerts"]} == ALERTS


@pytest.mark.parametrize("alert", sorted(ALERTS))
def test_each_alert_has_a_severity_a_relative_runbook_and_tests_that_fire_and_do_not(alert):
    [rule] = [r for r in groups()["ticketing.alerts"] if r["alert"] == alert]
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert {"summary", "description", "runbook_url"} <= set(rule["annotations"])
    assert rule["annotations"]["runbook_url"] == f"docs/monitoring.md#{alert.lower()}"
    cases = [
        case
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case["alertname"] == alert
    ]
    assert any(case["exp_alerts"] for case in cases), f"no test where {alert} fires"
    assert any(not case["exp_alerts"] for case in cases), f"no test where {alert} stays quiet"


def test_the_rules_read_only_metrics_that_are_exported():
    exported = {name for service in CONTRACT.values() for name in service} | FOREIGN
    exported |= {n.removesuffix("_total") + "_total" for n in exported}
    exported |= {n + suffix for n in exported for suffix in ("_bucket", "_sum", "_count")}
    functions_and_keywords = {
        "sum", "max", "min", "count", "rate", "increase", "delta", "histogram_quantile", "clamp_min",
        "vector", "by", "on", "and", "or", "le", "outcome", "ticket_id", "consumer", "job", "method",
        "route", "status", "namespace", "horizontalpodautoscaler",
    }  # fmt: skip
    unknown = set()
    for rule in (r for rules in groups().values() for r in rules):
        expr = re.sub(r'"[^"]*"', "", rule["expr"])  # label values are not names
        expr = re.sub(r"\[[^\]]*\]", "", expr)  # nor are range durations
        for name in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
            if name not in functions_and_keywords and name not in RECORDS and name not in exported:
                unknown.add(name)
    assert unknown == set()
