"""The monitoring component (k8s/components/monitoring), its Grafana dashboard and its runbooks.

kubernetes-validate has no schema for the Prometheus Operator's CRDs, so ServiceMonitor and
PrometheusRule are checked against minimal schemas of the fields this repository uses, written
from the Operator's API reference (monitoring.coreos.com/v1). Every name a dashboard expression
reads must be one the services export (docs/monitoring.md lists them), a recording rule of the
rule file, a kube-state-metrics series, or `up`: no panel on a metric nobody exports.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess

import jsonschema
import pytest
import yaml
from manifest_lib import K8S, ROOT, SERVICE_PORTS, load_yaml, named, of_kind, render, tool
from test_network_policies import allowed, pod_labels

from tests.monitoring.contract import JOBS, SERIES
from tools import monitoring_manifests

pytestmark = pytest.mark.manifests

COMPONENT = K8S / "components" / "monitoring"
RULE_FILE = COMPONENT / "rules" / "ticketing.rules.yml"
DASHBOARD_FILE = COMPONENT / "grafana" / "ticketing.json"
RUNBOOKS = ROOT / "docs" / "monitoring.md"
OVERLAY = "overlays/monitoring"


# The names the services export: the monitoring contract, written out once in tests/monitoring/contract.py.
RAW_METRICS = SERIES
# kube-state-metrics series the dashboard reads (Kubernetes only), and Prometheus's own.
KUBE_STATE_METRICS = {
    "kube_deployment_status_replicas",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_status_desired_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
}
PROMETHEUS_SERIES = {"up"}

# The alerts of the monitoring contract: each has a runbook section in docs/monitoring.md.
CONTRACT_ALERTS = {
    "TicketingBacklogGrowingAtMaxReplicas",
    "TicketingDeadLetters",
    "TicketingStockDrift",
    "TicketingConsumerHoldingWhileIdle",
    "TicketingIntakeErrors",
    "TicketingTargetDown",
}

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


# --- the rule file, the PrometheusRule ---------------------------------------------------------


@pytest.fixture(scope="module")
def rule_groups() -> list[dict]:
    return load_yaml(RULE_FILE)["groups"]


def recording_rules(groups: list[dict]) -> set[str]:
    return {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}


def alerts(groups: list[dict]) -> list[dict]:
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_the_checked_in_prometheus_rule_is_what_the_generator_writes_from_the_rule_file():
    assert (COMPONENT / "prometheusrule.yaml").read_text() == monitoring_manifests.render(), (
        f"prometheusrule.yaml is stale: run {monitoring_manifests.REGENERATE}"
    )


def test_the_generator_check_mode_fails_on_a_stale_prometheus_rule(tmp_path, monkeypatch):
    stale = tmp_path / "prometheusrule.yaml"
    stale.write_text(monitoring_manifests.render().replace("ticketing.alerts", "ticketing.old"))
    monkeypatch.setattr(monitoring_manifests, "PROMETHEUS_RULE", stale)
    monkeypatch.setattr(monitoring_manifests, "ROOT", tmp_path)
    assert monitoring_manifests.main(["--check"]) == 1
    assert monitoring_manifests.main([]) == 0
    assert monitoring_manifests.main(["--check"]) == 0


def test_the_rendered_prometheus_rule_has_exactly_the_rule_files_groups(rule_groups):
    (rule,) = of_kind(render(OVERLAY), "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["spec"]["groups"] == rule_groups
    assert {g["name"] for g in rule_groups} >= {"ticketing.recording", "ticketing.alerts"}


# The fields of monitoring.coreos.com/v1 this repository uses; anything else is refused, so a
# misspelt field fails here instead of being dropped by the API server's pruning.
_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        "matchExpressions": {"type": "array"},
    },
}
_DURATION = {
    "type": "string",
    "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
}
_METADATA = {
    "type": "object",
    "required": ["name", "namespace", "labels"],
    "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}, "labels": {"type": "object"}},
}
SERVICE_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["selector", "endpoints"],
            "additionalProperties": False,
            "properties": {
                "jobLabel": {"type": "string"},
                "selector": _SELECTOR,
                "namespaceSelector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"any": {"type": "boolean"}, "matchNames": {"type": "array"}},
                },
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["port"],
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string", "pattern": "^/"},
                            "scheme": {"enum": ["http", "https"]},
                            "interval": _DURATION,
                            "scrapeTimeout": _DURATION,
                            "honorLabels": {"type": "boolean"},
                        },
                    },
                },
            },
        },
    },
}
_RULE = {
    "type": "object",
    "required": ["expr"],
    "additionalProperties": False,
    "oneOf": [{"required": ["record"]}, {"required": ["alert"]}],
    "properties": {
        "record": {"type": "string"},
        "alert": {"type": "string"},
        "expr": {"type": ["string", "integer"]},
        "for": _DURATION,
        "keep_firing_for": _DURATION,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
PROMETHEUS_RULE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "PrometheusRule"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["groups"],
            "additionalProperties": False,
            "properties": {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "rules"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string"},
                            "interval": _DURATION,
                            "limit": {"type": "integer"},
                            "rules": {"type": "array", "minItems": 1, "items": _RULE},
                        },
                    },
                }
            },
        },
    },
}
SCHEMAS = {"ServiceMonitor": SERVICE_MONITOR_SCHEMA, "PrometheusRule": PROMETHEUS_RULE_SCHEMA}


def schema_errors(obj: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMAS[obj["kind"]])
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


def test_every_prometheus_operator_object_has_only_fields_the_operator_knows():
    custom = [o for o in render(OVERLAY) if o["apiVersion"].startswith("monitoring.coreos.com/")]
    assert {o["kind"] for o in custom} == set(SCHEMAS)
    for obj in custom:
        assert schema_errors(obj) == [], f"{obj['kind']}/{obj['metadata']['name']}"


def test_the_minimal_schemas_refuse_a_misspelt_field():
    objects = render(OVERLAY)
    monitor = copy.deepcopy(named(objects, "ServiceMonitor", "order-worker"))
    monitor["spec"]["endpoints"][0]["intervall"] = "15s"
    assert any("intervall" in e for e in schema_errors(monitor))
    rule = copy.deepcopy(of_kind(objects, "PrometheusRule")[0])
    rule["spec"]["groups"][-1]["rules"][0]["fro"] = "5m"
    assert any("fro" in e for e in schema_errors(rule))


@pytest.mark.parametrize("job", JOBS)
def test_a_service_monitor_scrapes_each_service_on_its_named_port_under_the_contract_job(job):
    objects = render(OVERLAY)
    monitor = named(objects, "ServiceMonitor", job)
    service = named(objects, "Service", job)
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items(), "selects the Service"
    matching = [s for s in of_kind(objects, "Service") if selector.items() <= s["metadata"]["labels"].items()]
    assert matching == [service], "selects that Service only"
    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"]
    # The job label comes from a label of the Service: the contract's job name.
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == job
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint.get("path", "/metrics") == "/metrics"


def test_prometheus_in_the_monitoring_namespace_may_scrape_the_services_and_nothing_else():
    prometheus = {"app.kubernetes.io/name": "prometheus"}
    monitoring = {"kubernetes.io/metadata.name": "monitoring"}
    elsewhere = {"kubernetes.io/metadata.name": "default"}
    ports = {
        "api-gateway": 8000,
        "order-worker": 8001,
        "workload-generator": 9000,
        "payment-provider": 8002,
        "live-updates": 8003,
        "redis": 6379,
    }
    for kustomization, open_to in ((OVERLAY, set(JOBS)), ("overlays/local", set())):
        objects = render(kustomization)
        policies = of_kind(objects, "NetworkPolicy")
        labels = pod_labels(objects)
        reached = {
            app
            for app, port in ports.items()
            if allowed(policies, "Ingress", labels[app], prometheus, monitoring, port)
        }
        assert reached == open_to, kustomization
        # Another namespace's pods, and Prometheus on another port, stay out.
        assert not any(allowed(policies, "Ingress", labels[a], prometheus, elsewhere, ports[a]) for a in JOBS)
        assert not allowed(policies, "Ingress", labels["api-gateway"], prometheus, monitoring, 6379)


def test_the_dashboard_is_a_configmap_for_grafanas_sidecar_with_the_file_as_it_is():
    configmap = named(render(OVERLAY), "ConfigMap", "grafana-dashboard-ticketing")
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert configmap["data"] == {"ticketing.json": DASHBOARD_FILE.read_text()}
    # `kubectl apply` keeps the whole object in an annotation limited to 256 KiB.
    assert len(DASHBOARD_FILE.read_bytes()) < 200_000


def test_the_monitoring_overlay_is_the_local_overlay_plus_the_component():
    local = render("overlays/local")
    monitored = render(OVERLAY)
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert {key(o) for o in local} <= {key(o) for o in monitored}
    added = {key(o) for o in monitored} - {key(o) for o in local}
    assert {kind for kind, _ in added} == {"ServiceMonitor", "PrometheusRule", "ConfigMap", "NetworkPolicy"}


# --- the Grafana dashboard ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD_FILE.read_text())


def panels(dashboard: dict) -> list[dict]:
    """Every panel, those inside collapsed rows included, rows themselves excluded."""
    found = []
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            found.extend(panel.get("panels", []))
        else:
            found.append(panel)
    return found


def expressions(dashboard: dict) -> list[str]:
    return [target["expr"] for panel in panels(dashboard) for target in panel["targets"]]


def test_the_dashboard_has_what_grafana_needs_to_load_it(dashboard):
    for field in ("uid", "title", "schemaVersion", "panels", "templating", "time"):
        assert field in dashboard, field
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", dashboard["uid"])
    assert dashboard.get("id") is None, "a provisioned dashboard carries no database id"
    ids = [p["id"] for p in dashboard["panels"]] + [p["id"] for p in panels(dashboard) if p not in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"


def test_the_panels_fit_the_grid_without_overlapping(dashboard):
    cells: dict[tuple[int, int], str] = {}
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["w"] > 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_the_datasource_is_a_variable_and_no_uid_is_hard_coded(dashboard):
    (variable,) = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert variable["name"] == "datasource" and variable["query"] == "prometheus"

    def datasources(node):
        if isinstance(node, dict):
            if "datasource" in node:
                yield node["datasource"]
            for value in node.values():
                yield from datasources(value)
        elif isinstance(node, list):
            for value in node:
                yield from datasources(value)

    found = list(datasources(dashboard["panels"]))
    assert found and all(ds == DATASOURCE for ds in found), {json.dumps(ds) for ds in found if ds != DATASOURCE}


def test_every_panel_has_a_query_with_a_unique_ref_id(dashboard):
    for panel in panels(dashboard):
        targets = panel.get("targets", [])
        assert targets, f"{panel['title']} has no target"
        assert all(t.get("expr", "").strip() for t in targets), panel["title"]
        assert len({t["refId"] for t in targets}) == len(targets), panel["title"]
        assert panel.get("title") and panel.get("description"), panel["id"]


# PromQL words that are not series names: aggregations, keywords, set operators.
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless"}
PROMQL_WORDS = AGGREGATIONS | KEYWORDS | {"quantile", "limitk", "limit_ratio", "atan2", "inf", "nan", "start", "end"}
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NAME = re.compile(r"(?<![\w:.$])[A-Za-z_:][\w:]*")


def series_names(expr: str) -> set[str]:
    """The series (metric or recording rule) names a PromQL expression selects."""
    expr = _STRING.sub('""', expr)
    expr = re.sub(r"\{[^{}]*\}", "{}", expr)  # label matchers
    expr = re.sub(r"\[[^\[\]]*\]", "[]", expr)  # ranges and subqueries
    expr = _GROUPING.sub(r"\1()", expr)  # label lists
    names = set()
    for match in _NAME.finditer(expr):
        if expr[match.end() :].lstrip().startswith("(") or match.group() in PROMQL_WORDS:
            continue  # a function call or a keyword
        names.add(match.group())
    return names


def test_the_name_extraction_finds_series_and_only_series():
    expr = (
        'sum by (le, job) (rate(a_bucket{route=~"/orders|x_total", q="it\'s"}[$__rate_interval])) '
        "/ on (job) group_left (pod) b:rule:rate1m offset 5m > bool 1e3 and max without (x) (c) or vector(1)"
    )
    assert series_names(expr) == {"a_bucket", "b:rule:rate1m", "c"}


def test_every_name_a_panel_reads_is_exported_or_recorded(dashboard, rule_groups):
    known = RAW_METRICS | recording_rules(rule_groups) | KUBE_STATE_METRICS | PROMETHEUS_SERIES
    unknown = {name: expr for expr in expressions(dashboard) for name in series_names(expr) - known}
    assert not unknown, unknown


def test_the_dashboard_shows_load_latency_backlog_replicas_stock_and_dead_letters(dashboard):
    used = set().union(*map(series_names, expressions(dashboard)))
    assert {
        "ticketing:orders_created:rate1m",  # intake/s
        "ticketing:orders_decided:rate1m",  # decisions/s by outcome
        "workload_target_rps",
        "workload_achieved_rps",
        "ticketing:decision_latency_seconds:p50",
        "ticketing:decision_latency_seconds:p99",
        "gateway_http_request_duration_seconds_bucket",  # intake p99
        "ticketing:stream_backlog",
        "ticketing:stream_lag_per_worker",
        "kube_deployment_status_replicas",
        "kube_horizontalpodautoscaler_status_current_replicas",
        "kube_horizontalpodautoscaler_status_desired_replicas",
        "ticketing_stock_available_tickets",
        "ticketing_stock_sold_tickets",
        "ticketing:stock_drift_tickets",
        "ticketing:dead_letter_entries",
    } <= used
    hpa_exprs = [e for e in expressions(dashboard) if "kube_horizontalpodautoscaler" in e]
    assert hpa_exprs and all("api-gateway" in e and "order-worker" in e for e in hpa_exprs)


# Grafana's variables, as Prometheus would see them once Grafana has filled them in.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h", "$namespace": "ticketing"}


def test_every_panel_query_is_valid_promql(dashboard, tmp_path):
    """Each expression as a recording rule, checked by promtool (Prometheus's own parser)."""
    rules = []
    for i, expr in enumerate(expressions(dashboard)):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"unknown Grafana variable in {expr}"
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    path = tmp_path / "dashboard.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    proc = subprocess.run([tool("promtool"), "check", "rules", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- the runbooks ------------------------------------------------------------------------------


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", markdown, flags=re.MULTILINE):
        anchor = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(anchor)
    return anchors


def test_every_alert_links_to_its_own_runbook_section(rule_groups):
    anchors = github_anchors(RUNBOOKS.read_text())
    rules = alerts(rule_groups)
    assert {rule["alert"] for rule in rules} == CONTRACT_ALERTS
    for rule in rules:
        url = rule["annotations"]["runbook_url"]
        assert url == f"docs/monitoring.md#{rule['alert'].lower()}", rule["alert"]
        assert url.partition("#")[2] in anchors, f"docs/monitoring.md has no section for {rule['alert']}"


def test_every_runbook_says_what_it_means_how_to_check_and_what_to_do():
    text = RUNBOOKS.read_text()
    for alert in sorted(CONTRACT_ALERTS):
        match = re.search(rf"^### {alert}\s*$(.*?)(?=^##|\Z)", text, flags=re.MULTILINE | re.DOTALL)
        assert match, f"no runbook section ### {alert}"
        section = match.group(1)
        for part in ("**What it means**", "**How to check**", "**What to do**"):
            assert part in section, f"{alert}: {part}"


def test_the_monitoring_doc_shows_how_to_turn_each_on_and_names_existing_files():
    text = RUNBOOKS.read_text()
    for must in (
        "components: [../../components/monitoring]",
        "kubectl apply -k k8s/overlays/monitoring",
        "docker compose --profile monitoring up",
        "MONITORING=1 make up",
        "python -m tools.monitoring_manifests",
    ):
        assert must in text, must
    for path in set(re.findall(r"`((?:k8s|docs|tools|tests)/[\w./-]+|docker-compose\.yml)`", text)):
        assert (ROOT / path.rstrip("/")).exists(), path


def test_the_compose_scrape_config_is_valid_and_loads_the_rule_file(tmp_path):
    config = load_yaml(COMPONENT / "compose" / "prometheus.yml")
    # Inside the container the rule file is mounted at this path (test_compose.py checks the mount).
    assert config["rule_files"] == ["/etc/prometheus/rules/ticketing.rules.yml"]
    local = copy.deepcopy(config)
    local["rule_files"] = [str(RULE_FILE)]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(local))
    proc = subprocess.run([tool("promtool"), "check", "config", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout and "rules found" in proc.stdout


def test_the_compose_scrape_jobs_are_the_contracts_on_the_service_names_and_ports():
    config = load_yaml(COMPONENT / "compose" / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(JOBS)
    for name, job in jobs.items():
        (sd,) = job["dns_sd_configs"]
        assert sd["names"] == [name] and sd["type"] == "A" and sd["port"] == SERVICE_PORTS[name], name
        assert job.get("metrics_path", "/metrics") == "/metrics"
