"""The gauges the gateway reads from Redis at each scrape: stock, drift, dead letters, consumers."""

from prometheus_client.parser import text_string_to_metric_families

from ticketing_common import keys

from .conftest import order_body


def scrape(client) -> dict[str, dict[tuple, float]]:
    """family name -> {sorted label items: value}"""
    text = client.get("/metrics").get_data(as_text=True)
    return {
        f.name: {tuple(sorted(s.labels.items())): s.value for s in f.samples}
        for f in text_string_to_metric_families(text)
    }


def test_stock_gauges_per_ticket_with_a_drift_of_zero(real_client, real_redis):
    families = scrape(real_client)
    initial = real_redis.hgetall(keys.STOCK_INITIAL)
    assert initial, "the app initialises stock"
    for ticket, value in initial.items():
        label = (("ticket_id", ticket),)
        assert families["ticketing_stock_initial_tickets"][label] == float(value)
        assert families["ticketing_stock_available_tickets"][label] == float(value)
        assert families["ticketing_stock_sold_tickets"][label] == 0.0
        assert families["ticketing_stock_drift_tickets"][label] == 0.0


def test_drift_shows_stock_that_vanished_without_being_sold(real_client, real_redis):
    ticket = next(iter(real_redis.hgetall(keys.STOCK_INITIAL)))
    real_redis.hincrby(keys.STOCK, ticket, -3)  # gone, and not counted as sold: a bug to alert on
    drift = scrape(real_client)["ticketing_stock_drift_tickets"]
    assert drift[(("ticket_id", ticket),)] == 3.0
    assert sum(drift.values()) == 3.0


def test_dead_letters_and_what_each_consumer_holds(real_client, real_redis):
    for _ in range(3):
        assert real_client.post("/orders", json=order_body()).status_code == 201
    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0")
    real_redis.xreadgroup(keys.CONSUMER_GROUP, "worker-a", {keys.ORDER_STREAM: ">"}, count=2)
    real_redis.xreadgroup(keys.CONSUMER_GROUP, "worker-b", {keys.ORDER_STREAM: ">"}, count=1)
    real_redis.xadd(keys.DEAD_LETTER_STREAM, {"orderId": "x", "deliveries": "5"})
    families = scrape(real_client)
    assert families["ticketing_dead_letter_entries"] == {(): 1.0}
    assert families["ticketing_consumer_pending_entries"] == {
        (("consumer", "worker-a"),): 2.0,
        (("consumer", "worker-b"),): 1.0,
    }
    idle = families["ticketing_consumer_idle_seconds"]
    assert set(idle) == {(("consumer", "worker-a"),), (("consumer", "worker-b"),)}
    assert all(0 <= v < 60 for v in idle.values())  # seconds, not milliseconds
    assert families["ticketing_stream_pending"] == {(): 3.0}
    assert families["ticketing_stream_lag"] == {(): 0.0}


def test_a_scrape_reads_redis_in_one_transaction(real_client, real_redis):
    """One round trip, and one atomic read: a decision moves tickets from available to sold in one
    step, so reading the hashes apart could show a drift that is not there."""
    real_redis.config_resetstat()
    scrape(real_client)
    stats = real_redis.info("commandstats")
    assert stats["cmdstat_multi"]["calls"] == 1
    assert stats["cmdstat_exec"]["calls"] == 1
    assert stats["cmdstat_hgetall"]["calls"] == 4  # initial, available, sold, held
