from ticketing_common import keys

from .conftest import order_body

ENDED = {"confirmed": 0, "rejected": 0, "payment_failed": 0, "expired": 0, "cancelled": 0, "failed": 0}
PAID = {"approved": 0, "declined": 0, "error": 0, "timeout": 0, "refunded": 0}


def queued(status: dict) -> dict:
    """The stream's totals (accepted, decided) of a /system/status body."""
    return {k: status["totals"][k] for k in ("accepted", "decided")}


def test_system_status_before_any_order_or_worker(real_client):
    status = real_client.get("/system/status").get_json()
    assert status["stream"] == {"length": 0, "lag": 0, "pending": 0, "deadLetter": 0}
    assert status["consumers"] == []
    assert status["stock"][0] == {
        "ticketId": "adult",
        "type": "adult",
        "initial": 100,
        "available": 100,
        "held": 0,
        "sold": 0,
        "drift": 0,
    }


def test_system_status_shows_backlog_consumers_and_stock(real_client, real_redis):
    for _ in range(3):
        real_client.post("/orders", json=order_body())
    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0")
    real_redis.xreadgroup(keys.CONSUMER_GROUP, "worker-1", {keys.ORDER_STREAM: ">"}, count=1)
    real_redis.hincrby(keys.STOCK, "vip", -1)
    real_redis.hincrby(keys.STOCK_SOLD, "vip", 1)
    real_redis.hincrby(keys.STOCK, "vip", -2)
    real_redis.hincrby(keys.STOCK_HELD, "vip", 2)

    status = real_client.get("/v1/system/status").get_json()
    assert status["stream"] == {"length": 3, "lag": 2, "pending": 1, "deadLetter": 0}
    [consumer] = status["consumers"]
    assert consumer["name"] == "worker-1" and consumer["pending"] == 1 and consumer["idleMs"] >= 0
    vip = next(s for s in status["stock"] if s["ticketId"] == "vip")
    assert vip == {"ticketId": "vip", "type": "vip", "initial": 5, "available": 2, "held": 2, "sold": 1, "drift": 0}


def test_totals_count_orders_accepted_and_acknowledged_by_the_group(real_client, real_redis):
    for _ in range(5):
        assert real_client.post("/orders", json=order_body()).status_code == 201
    # No worker yet: everything accepted, nothing decided.
    assert queued(real_client.get("/system/status").get_json()) == {"accepted": 5, "decided": 0}

    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0")
    assert queued(real_client.get("/system/status").get_json()) == {"accepted": 5, "decided": 0}
    [(_, read)] = real_redis.xreadgroup(keys.CONSUMER_GROUP, "w1", {keys.ORDER_STREAM: ">"}, count=3)
    real_redis.xack(keys.ORDER_STREAM, keys.CONSUMER_GROUP, read[0][0], read[1][0])
    assert queued(real_client.get("/system/status").get_json()) == {"accepted": 5, "decided": 2}

    # Trimming the acknowledged entries (as workers do) changes neither total.
    real_redis.xtrim(keys.ORDER_STREAM, minid=read[2][0], approximate=False)
    status = real_client.get("/system/status").get_json()
    assert status["stream"]["length"] == 3 and queued(status) == {"accepted": 5, "decided": 2}


def test_totals_restart_at_a_reset(real_client, real_redis):
    for _ in range(3):
        real_client.post("/orders", json=order_body())
    assert real_client.post("/system/reset").status_code == 200
    assert queued(real_client.get("/system/status").get_json()) == {"accepted": 0, "decided": 0}
    real_client.post("/orders", json=order_body())
    assert queued(real_client.get("/system/status").get_json()) == {"accepted": 1, "decided": 0}


def test_workers_are_the_heartbeat_registry_with_each_ones_decided_count(real_client, real_redis):
    seconds, micros = real_redis.time()
    now = seconds * 1000 + micros // 1000
    real_redis.zadd(keys.CONSUMER_HEARTBEATS, {"worker-2": now - 1500, "worker-1": now - 200})
    real_redis.hset(keys.CONSUMER_DECIDED, mapping={"worker-1": 120, "worker-2": 75, "gone": 9})
    workers = real_client.get("/system/status").get_json()["workers"]
    assert [(w["name"], w["decided"]) for w in workers] == [("worker-1", 120), ("worker-2", 75)]
    ages = [w["heartbeatAgeMs"] for w in workers]
    assert 200 <= ages[0] < 1500 <= ages[1] < 60_000


def test_a_worker_that_has_not_published_a_count_yet_has_decided_nothing(real_client, real_redis):
    seconds, _ = real_redis.time()
    real_redis.zadd(keys.CONSUMER_HEARTBEATS, {"new": seconds * 1000})
    [worker] = real_client.get("/system/status").get_json()["workers"]
    assert worker["name"] == "new" and worker["decided"] == 0


def test_totals_show_orders_ended_per_status_and_charges_per_outcome_as_the_lua_steps_counted_them(
    real_client, real_redis
):
    assert real_client.get("/system/status").get_json()["totals"] == {
        "accepted": 0,
        "decided": 0,
        "byStatus": ENDED,
        "payments": PAID,
    }
    real_redis.hset(keys.TOTALS_ENDED, mapping={"confirmed": 7, "expired": 2, "payment_failed": 1})
    real_redis.hset(keys.TOTALS_PAYMENTS, mapping={"approved": 7, "declined": 1, "refunded": 1})
    totals = real_client.get("/system/status").get_json()["totals"]
    assert totals["byStatus"] == {**ENDED, "confirmed": 7, "expired": 2, "payment_failed": 1}
    assert totals["payments"] == {**PAID, "approved": 7, "declined": 1, "refunded": 1}


def test_the_totals_models_name_exactly_the_contracts_words():
    from api_gateway.models import EndedTotals, PaymentTotals
    from ticketing_common.status import TERMINAL_STATUSES, PaymentStatus

    assert set(EndedTotals.model_fields) == {s.value for s in TERMINAL_STATUSES}
    assert set(PaymentTotals.model_fields) == {p.value for p in PaymentStatus}


def test_a_reset_clears_the_ended_and_payment_totals(real_client, real_redis):
    real_redis.hset(keys.TOTALS_ENDED, "confirmed", 3)
    real_redis.hset(keys.TOTALS_PAYMENTS, "approved", 3)
    assert real_client.post("/system/reset").status_code == 200
    totals = real_client.get("/system/status").get_json()["totals"]
    assert (totals["byStatus"], totals["payments"]) == (ENDED, PAID)
