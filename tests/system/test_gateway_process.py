"""The gateway as it runs in production: gunicorn with several worker processes."""

import httpx
import pytest

pytestmark = pytest.mark.system


def test_metrics_add_up_every_gunicorn_worker_whichever_answers_the_scrape(system):
    gateway = system.start_gateway(WEB_CONCURRENCY="3")
    for _ in range(30):
        with httpx.Client() as client:  # a new connection each time: any worker may accept it
            assert client.get(f"{gateway}/tickets").status_code == 200
    for _ in range(6):
        with httpx.Client() as client:
            text = client.get(f"{gateway}/metrics").text
        line = next(l for l in text.splitlines()
                    if l.startswith('gateway_http_requests_total{method="GET",route="/tickets",status="200"}'))
        assert float(line.rsplit(" ", 1)[1]) == 30.0


def test_gunicorn_logs_are_json_lines(system):
    import json

    system.start_gateway()
    log = system.processes[-1].log_path.read_text().splitlines()
    assert log, "the gateway wrote no log"
    records = [json.loads(line) for line in log]
    assert any(r["logger"] == "gunicorn.error" and "Listening at" in r["msg"] for r in records)
    assert all(r["service"] == "api-gateway" for r in records)
