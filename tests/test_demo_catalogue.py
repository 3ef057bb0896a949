"""The demo catalogue that make up and the Kubernetes local overlay serve: the bundled events, 20 times the stock."""

from __future__ import annotations

import json
import subprocess

import yaml

from api_gateway.catalogue import load_catalogue
from api_gateway.settings import DEFAULT_CATALOGUE
from tools import stack
from tools.autoscaler.policy import kubectl
from workload_generator import scenarios

MULTIPLIER = 20
TICKETS_PER_ORDER = 1.9  # the generator's default mix, about (quantities 1-4, 20 % multi-item orders)


def test_the_demo_catalogue_is_the_bundled_one_with_twenty_times_the_stock():
    bundled, demo = load_catalogue(DEFAULT_CATALOGUE), load_catalogue(stack.DEMO_CATALOGUE)
    raw_bundled = json.loads(DEFAULT_CATALOGUE.read_text())
    raw_demo = json.loads(stack.DEMO_CATALOGUE.read_text())
    assert [e["id"] for e in raw_demo] == [e["id"] for e in raw_bundled]
    for event_b, event_d in zip(raw_bundled, raw_demo, strict=True):
        assert {k: v for k, v in event_d.items() if k != "tickets"} == {
            k: v for k, v in event_b.items() if k != "tickets"
        }
        for b, d in zip(event_b["tickets"], event_d["tickets"], strict=True):
            assert {**d, "stock": b["stock"]} == b  # names, prices, descriptions: one catalogue
            assert d["stock"] == MULTIPLIER * b["stock"]
    assert bundled.sale_id == demo.sale_id == "aurora-2027"


def test_the_demo_catalogue_outlasts_the_scenario_and_the_k8s_demos_default_load():
    # The load buys the default event's tickets (the workload generator's ticket ids).
    total = sum(t["stock"] for t in json.loads(stack.DEMO_CATALOGUE.read_text())[0]["tickets"])
    demo = scenarios.AUTOSCALING_DEMO.profile
    scenario_orders = sum((w["fromRps"] + w["toRps"]) / 2 * (w["endS"] - w["startS"]) for w in demo.timeline())
    k8s_demo_orders = 300 * 600  # k8s/demo.sh: RPS=300, DURATION_S=600
    assert total > 10 * scenario_orders * TICKETS_PER_ORDER
    assert total > 2 * k8s_demo_orders * TICKETS_PER_ORDER


def test_the_local_overlay_mounts_it_and_points_catalogue_path_at_it():
    rendered = subprocess.run(
        [kubectl(), "kustomize", str(stack.ROOT / "k8s/overlays/local")], capture_output=True, text=True, check=True
    ).stdout
    objects = [o for o in yaml.safe_load_all(rendered) if o]
    config = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("api-gateway-config")
    )
    path = config["data"]["CATALOGUE_PATH"]
    catalogue = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("api-gateway-catalogue")
    )
    assert json.loads(catalogue["data"]["catalogue.json"]) == json.loads(stack.DEMO_CATALOGUE.read_text())
    gateway = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "api-gateway")
    pod = gateway["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v.get("configMap", {}).get("name") == catalogue["metadata"]["name"])
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
    assert mount["readOnly"] is True and path == f"{mount['mountPath']}/catalogue.json"
