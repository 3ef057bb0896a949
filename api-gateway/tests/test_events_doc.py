"""docs/events.md's curl examples run as written, in order, against a gateway on the bundled seed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api_gateway.app import create_app
from api_gateway.settings import DEFAULT_CATALOGUE

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"
CURL = re.compile(
    r"curl -s(?: -X (?P<method>[A-Z]+))?(?: -H \"\$H\")?(?: --json '(?P<body>.*?)')?\s*(?:\\\s*)?"
    r"'?localhost:8000(?P<path>[^\s']+)'?",
    re.S,
)


def examples() -> list[tuple[str, str, dict | None]]:
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(), re.S)
    found = []
    for block in blocks:
        code = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("#"))
        for m in CURL.finditer(code):
            body = json.loads(m["body"]) if m["body"] else None
            method = m["method"] or ("POST" if body is not None else "GET")
            found.append((method, m["path"], body))
    return found


def test_the_doc_has_an_example_of_every_events_route():
    routes = {(method, re.sub(r"/events/[^/?]+", "/events/{id}", path.split("?")[0])) for method, path, _ in examples()}
    assert {
        ("GET", "/events"),
        ("GET", "/events/{id}"),
        ("GET", "/tickets"),
        ("POST", "/events"),
        ("POST", "/events/{id}/tickets"),
        ("PUT", "/events/{id}/sale"),
        ("GET", "/events/{id}/sales"),
    } <= routes
    assert any(path.endswith("/stock") for _, path, _ in examples())


@pytest.fixture
def api(settings, real_redis):
    return create_app(settings.model_copy(update={"catalogue_path": DEFAULT_CATALOGUE}), real_redis).test_client()


def test_every_example_succeeds_in_order(api):
    for method, path, body in examples():
        response = api.open(path, method=method, json=body)
        assert response.status_code < 300, (method, path, response.get_json())
