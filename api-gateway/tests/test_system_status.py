from ticketing_common import keys

from .conftest import order_body


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
