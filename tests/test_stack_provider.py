"""`make up`'s wiring of the payment provider (tools/stack.py), without starting anything."""

from __future__ import annotations

from tools import stack


def test_the_local_stack_starts_the_provider_before_the_workers_and_points_them_at_it(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKER_PAYMENT_PROVIDER_URL", raising=False)
    ports = stack.Ports(provider=8123, workers=(8001, 8011))
    services = stack.local_stack(tmp_path, ports)
    names = [s.name for s in services]
    assert names.index("payment-provider") < names.index("worker-1")
    [provider] = [s for s in services if s.name == "payment-provider"]
    assert provider.argv[1:] == ["-m", "payment_provider"]
    assert provider.env["HOST"] == "127.0.0.1" and provider.env["PORT"] == "8123"
    assert provider.env["REDIS_URL"] == f"redis://127.0.0.1:{ports.redis}/0"
    assert provider.ready_url == "http://127.0.0.1:8123/readyz"
    workers = [s for s in services if s.name.startswith("worker-")]
    assert [w.env["WORKER_PAYMENT_PROVIDER_URL"] for w in workers] == ["http://127.0.0.1:8123"] * 2


def test_the_shells_provider_url_wins_so_payments_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKER_PAYMENT_PROVIDER_URL", "")
    assert stack.payments_env(stack.Ports()) == {}
    workers = [s for s in stack.local_stack(tmp_path, stack.Ports()) if s.name.startswith("worker-")]
    assert all("WORKER_PAYMENT_PROVIDER_URL" not in w.env for w in workers)


def test_the_provider_port_is_a_setting_and_checked_before_anything_starts(monkeypatch):
    import socket

    monkeypatch.setenv("PROVIDER_PORT", "8124")
    assert stack.ports_from_env(2).provider == 8124
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        problems = stack.busy_ports(
            stack.Ports(provider=taken, redis=0, gateway=0, workers=(), generator=0, live=0, web=0)
        )
    assert problems == [
        f"port {taken} (payment provider) is in use; set PROVIDER_PORT=<another port> (e.g. PROVIDER_PORT={taken + 1} make up)"
    ]


def test_make_up_gives_the_local_provider_the_overlays_payment_latency_unless_the_shell_sets_it(tmp_path, monkeypatch):
    """The keda overlay's per-order work is the payment call: its provider latency goes to the local
    provider as its worker settings go to the local workers, and a setting of the shell wins."""
    from tools.autoscaler.policy import Settings, load_policy

    policy = load_policy(Settings(True, "keda", 1))
    for name in (*policy.provider_env, *policy.worker_env):
        monkeypatch.delenv(name, raising=False)
    assert stack.overlay_env(policy.provider_env)["PAYMENT_LATENCY_MS_MEDIAN"] == "100"
    assert stack.overlay_env(policy.worker_env)["WORKER_CONCURRENCY"] == "5"
    monkeypatch.setenv("PAYMENT_LATENCY_MS_MEDIAN", "7")
    monkeypatch.setenv("WORKER_CONCURRENCY", "3")
    provider_env = stack.overlay_env(policy.provider_env)
    assert "PAYMENT_LATENCY_MS_MEDIAN" not in provider_env and provider_env["PAYMENT_LATENCY_SIGMA"] == "0.1"
    assert "WORKER_CONCURRENCY" not in stack.overlay_env(policy.worker_env)
    services = stack.local_stack(tmp_path, stack.Ports(), provider_env=provider_env)
    [provider] = [s for s in services if s.name == "payment-provider"]
    assert provider.env["PAYMENT_LATENCY_SIGMA"] == "0.1"
