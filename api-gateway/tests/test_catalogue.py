import json

import pytest

from api_gateway.catalogue import CatalogueError, load_catalogue
from api_gateway.demo_reset import reset_demo
from api_gateway.settings import DEFAULT_CATALOGUE
from api_gateway.stock import initialise_stock
from ticketing_common import keys


def test_default_catalogue_is_a_realistic_event_of_50000_tickets():
    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    assert sum(t.stock for t in catalogue.tickets) == 50_000
    assert {"adult", "student", "child", "vip"} <= {t.type for t in catalogue.tickets}


def test_the_sale_id_is_the_events_id_or_main():
    assert load_catalogue(DEFAULT_CATALOGUE).sale_id == "aurora-2027"


def test_a_catalogue_without_an_event_id_sells_as_main(catalogue_path):
    assert load_catalogue(catalogue_path).sale_id == "main"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda c: c["tickets"].append(dict(c["tickets"][0])), "unique"),
        (lambda c: c.update(currency="euro"), "currency"),
        (lambda c: c["tickets"][0].update(stock=-1), "tickets.0.stock"),
        (lambda c: c["tickets"][0].update(price="free"), "tickets.0.price"),
        (lambda c: c.update(tickets=[]), "tickets"),
        (lambda c: c["event"].update(id="two words"), "event.id"),
        (lambda c: c["event"].update(id="secret"), "event.id"),  # the token secret's key would be its room
    ],
)
def test_a_bad_catalogue_is_refused_with_one_line_naming_the_problem(tmp_path, mutate, message):
    catalogue = json.loads(DEFAULT_CATALOGUE.read_text())
    mutate(catalogue)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(catalogue))
    with pytest.raises(CatalogueError, match=message) as raised:
        load_catalogue(path)
    assert "\n" not in str(raised.value)


def test_a_missing_or_non_json_catalogue_is_refused(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CatalogueError, match="not JSON"):
        load_catalogue(tmp_path / "bad.json")


def test_initialising_stock_twice_never_resets_what_was_sold(fake_redis, catalogue_path):
    catalogue = load_catalogue(catalogue_path)
    assert initialise_stock(fake_redis, catalogue) == 3
    fake_redis.hincrby(keys.STOCK, "adult", -30)  # 30 sold

    # A restart, or a second replica starting.
    assert initialise_stock(fake_redis, catalogue) == 0
    assert fake_redis.hget(keys.STOCK, "adult") == "70"
    assert fake_redis.hget(keys.STOCK_INITIAL, "adult") == "100"


def test_a_ticket_added_to_the_catalogue_gets_stock_and_the_others_keep_theirs(fake_redis, catalogue_path):
    catalogue = load_catalogue(catalogue_path)
    initialise_stock(fake_redis, catalogue)
    fake_redis.hincrby(keys.STOCK, "adult", -1)
    data = json.loads(catalogue_path.read_text())
    data["tickets"].append({"id": "child", "name": "Child", "type": "child", "price": 10, "stock": 7})
    catalogue_path.write_text(json.dumps(data))

    assert initialise_stock(fake_redis, load_catalogue(catalogue_path)) == 1
    assert fake_redis.hmget(keys.STOCK, ["adult", "child"]) == ["99", "7"]


def test_reset_demo_deletes_orders_and_streams_and_restores_stock(fake_redis, catalogue_path):
    catalogue = load_catalogue(catalogue_path)
    initialise_stock(fake_redis, catalogue)
    fake_redis.hincrby(keys.STOCK, "vip", -5)
    fake_redis.hset(keys.order_key("o1"), "status", "confirmed")
    fake_redis.xadd(keys.ORDER_STREAM, {"orderId": "o1"})
    fake_redis.hset(keys.order_key("o2"), "status", "reserved")
    fake_redis.hincrby(keys.STOCK, "adult", -2)
    fake_redis.hset(keys.STOCK_HELD, "adult", 2)
    fake_redis.zadd(keys.HOLDS, {"o2": 1})
    fake_redis.set("unrelated", "kept")

    assert reset_demo(fake_redis, catalogue) == 2
    assert fake_redis.hget(keys.STOCK, "vip") == "5"
    assert fake_redis.hget(keys.STOCK, "adult") == "100"
    assert not fake_redis.exists(keys.order_key("o1"), keys.ORDER_STREAM, keys.STOCK_HELD, keys.HOLDS)
    assert fake_redis.get("unrelated") == "kept"


def test_a_reset_during_intake_leaves_no_order_without_its_stream_entry(real_client, real_redis):
    import threading

    from .conftest import order_body

    # Many old orders, so that the reset's scan takes a while and intake runs during it.
    pipe = real_redis.pipeline(transaction=False)
    for i in range(30_000):
        pipe.hset(keys.order_key(f"old-{i}"), "status", "confirmed")
    pipe.execute()
    stop = threading.Event()
    refused: list[str] = []

    def intake():
        # A failure in the thread is recorded and asserted below: pytest would only warn about it.
        while not stop.is_set():
            response = real_client.post("/orders", json=order_body())
            if response.status_code != 201:
                refused.append(f"{response.status_code} {response.get_data(as_text=True)}")
                return

    thread = threading.Thread(target=intake)
    thread.start()
    try:
        reset_demo(real_redis, real_client.application.extensions["ticketing"].catalogue)
    finally:
        stop.set()
        thread.join()
    assert not refused, f"intake failed during the reset: {refused[0]}"
    stored = {k.removeprefix(keys.ORDER_PREFIX) for k in real_redis.scan_iter(keys.order_key("*"))}
    queued = {f["orderId"] for _, f in real_redis.xrange(keys.ORDER_STREAM)}
    assert not any(o.startswith("old-") for o in stored)
    assert stored <= queued, f"{len(stored - queued)} orders were left without a stream entry"


def test_reset_keeps_an_order_accepted_after_its_transaction(fake_redis, catalogue_path):
    catalogue = load_catalogue(catalogue_path)
    fake_redis.hset(keys.order_key("before"), mapping={"status": "pending", "generation": "0"})
    # Stamped with the generation the reset's transaction creates: it was accepted after it.
    fake_redis.hset(keys.order_key("after"), mapping={"status": "pending", "generation": "1"})

    assert reset_demo(fake_redis, catalogue) == 1
    assert fake_redis.get(keys.GENERATION) == "1"
    assert not fake_redis.exists(keys.order_key("before"))
    assert fake_redis.exists(keys.order_key("after"))


def test_an_accepted_order_is_stamped_with_the_current_generation(real_client, real_redis):
    from .conftest import order_body

    real_redis.set(keys.GENERATION, 7)
    order_id = real_client.post("/orders", json=order_body()).get_json()["orderId"]
    assert real_redis.hget(keys.order_key(order_id), "generation") == "7"
