"""The gateway as it runs in production: gunicorn with several worker processes."""

import httpx
import pytest

from .conftest import CATALOGUE

pytestmark = pytest.mark.system


def test_metrics_add_up_every_gunicorn_worker_whichever_answers_the_scrape(system):
    gateway = system.start_gateway(WEB_CONCURRENCY="3")
    for _ in range(30):
        with httpx.Client() as client:  # a new connection each time: any worker may accept it
            assert client.get(f"{gateway}/tickets").status_code == 200
    for _ in range(6):
        with httpx.Client() as client:
            text = client.get(f"{gateway}/metrics").text
        line = next(
            l
            for l in text.splitlines()
            if l.startswith('gateway_http_requests_total{method="GET",route="/tickets",status="200"}')
        )
        assert float(line.rsplit(" ", 1)[1]) == 30.0


def test_gunicorn_logs_are_json_lines(system):
    import json

    system.start_gateway()
    log = system.processes[-1].log_path.read_text().splitlines()
    assert log, "the gateway wrote no log"
    records = [json.loads(line) for line in log]
    assert any(r["logger"] == "gunicorn.error" and "Listening at" in r["msg"] for r in records)
    assert all(r["service"] == "api-gateway" for r in records)


def raw_request(url: str, data: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are (no client library would send a broken request); (status, headers, body)."""
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /tickets?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /tickets HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(120)) + b"\r\n", 431),
        (b"GET /tickets HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 9000 + b"\r\n\r\n", 431),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /tickets HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400),
    ],
    ids=["a too-long URL", "too many headers", "a too-large header", "a broken request line", "a bad header name"],
)
@pytest.mark.parametrize("worker_class", ["gthread", "sync"])
def test_what_gunicorn_refuses_itself_is_answered_as_a_json_error(system, request_bytes, status, worker_class):
    import json

    gateway = system.start_gateway(GUNICORN_WORKER_CLASS=worker_class)
    got, headers, body = raw_request(gateway, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    assert set(json.loads(body)) == {"error"}


def test_the_sync_worker_class_serves_orders_one_connection_each(system):
    gateway = system.start_gateway(GUNICORN_WORKER_CLASS="sync", WEB_CONCURRENCY="2")
    body = {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": CATALOGUE["tickets"][0]["id"], "qty": 1}],
        "paymentMethod": "credit_card",
    }
    with httpx.Client() as client:
        responses = [client.post(f"{gateway}/orders", json=body) for _ in range(3)]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert all(r.headers["connection"] == "close" for r in responses)  # no keep-alive: fair accept queue
    assert len({r.json()["orderId"] for r in responses}) == 3


def test_metrics_content_type_names_its_charset_once(system):
    gateway = system.start_gateway()
    content_type = httpx.get(f"{gateway}/metrics").headers["content-type"]
    assert content_type.count("charset") == 1, content_type
    assert content_type.startswith("text/plain; version=")


def test_the_gateway_listens_on_loopback_by_default(system):
    gateway = system.start_gateway()
    log = system.processes[-1].log_path.read_text()
    port = gateway.rsplit(":", 1)[1]
    assert f"Listening at: http://127.0.0.1:{port}" in log
