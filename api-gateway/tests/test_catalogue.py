import json

import pytest

from api_gateway.catalogue import CatalogueError, load_catalogue
from api_gateway.demo_reset import reset_demo
from api_gateway.settings import DEFAULT_CATALOGUE
from api_gateway.stock import initialise_stock
from ticketing_common import keys


def test_the_default_catalogue_is_several_events_the_first_aurora_of_50000_tickets():
    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    assert len(catalogue.events) >= 3
    aurora = catalogue.events[0]
    assert aurora.id == catalogue.sale_id == "aurora-2027"
    assert sum(t.stock for t in aurora.tickets) == 50_000
    # Its ticket ids are the ones the tests, the workload generator and the spec examples use.
    assert [t.id for t in aurora.tickets] == [
        "ga-adult", "ga-early-bird", "ga-student", "ga-child", "ga-senior", "vip-lounge", "vip-backstage"
    ]  # fmt: skip
    assert {"adult", "student", "child", "vip"} <= {t.type for t in aurora.tickets}
    assert any(sum(t.stock for t in e.tickets) < 1000 for e in catalogue.events)  # and small ones


def test_the_sale_id_is_the_events_id_or_main():
    assert load_catalogue(DEFAULT_CATALOGUE).sale_id == "aurora-2027"


def test_a_catalogue_without_an_event_id_sells_as_main(catalogue_path):
    assert load_catalogue(catalogue_path).sale_id == "main"


def test_the_old_single_event_shape_is_one_event(catalogue_path):
    catalogue = load_catalogue(catalogue_path)
    [event] = catalogue.events
    assert (event.id, event.name, event.currency) == ("main", "Test Gig", "EUR")
    assert [t.id for t in catalogue.tickets] == ["adult", "student", "vip"]
    assert event.saleState == "open" and event.startsAt is None


def test_default_event_id_chooses_the_default_event_and_must_be_in_the_catalogue(tmp_path):
    assert load_catalogue(DEFAULT_CATALOGUE, default_event_id="winter-quartet-2027").sale_id == "winter-quartet-2027"
    with pytest.raises(CatalogueError, match="default event 'nope'"):
        load_catalogue(DEFAULT_CATALOGUE, default_event_id="nope")


def test_each_event_is_placed_in_its_shard():
    catalogue = load_catalogue(DEFAULT_CATALOGUE, shard_count=3)
    assert {e.id: e.shard for e in catalogue.events} == {e.id: keys.shard_of_event(e.id, 3) for e in catalogue.events}
    assert len({e.shard for e in catalogue.events}) > 1  # the seed spreads over three shards


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda c: c[0]["tickets"].append(dict(c[0]["tickets"][0])), "unique"),
        (lambda c: c[1]["tickets"].append(dict(c[0]["tickets"][0])), "unique across events"),
        (lambda c: c.append(dict(c[0])), "event ids must be unique"),
        (lambda c: c[0].update(currency="euro"), "0.currency"),
        (lambda c: c[0]["tickets"][0].update(stock=-1), "0.tickets.0.stock"),
        (lambda c: c[0]["tickets"][0].update(price="free"), "0.tickets.0.price"),
        (lambda c: c.clear(), "at least one event"),
        (lambda c: c[0].update(id="two words"), "0.id"),
        (lambda c: c[0].update(id="secret"), "secret"),  # the token secret's key would be its room
        (lambda c: c[0].update(saleOpensAt="2030-01-01T00:00:00Z"), "cannot open after the event starts"),
        (lambda c: c[0].update(saleState="scheduled", saleOpensAt=None), "needs its opening time"),
        (lambda c: c[0].update(saleState="sold"), "0.saleState"),
        (lambda c: c[0].update(colour="red"), "0.colour"),
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


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda c: c["tickets"].append(dict(c["tickets"][0])), "unique"),
        (lambda c: c.update(currency="euro"), "currency"),
        (lambda c: c["tickets"][0].update(stock=-1), "tickets.0.stock"),
        (lambda c: c["event"].update(id="two words"), "event.id"),
        (lambda c: c["event"].update(id="secret"), "event.id"),
    ],
)
def test_a_bad_old_shaped_catalogue_is_refused_too(catalogue_path, tmp_path, mutate, message):
    catalogue = json.loads(catalogue_path.read_text())
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


def test_the_seed_is_written_only_where_redis_has_no_such_event(fake_redis, catalogue_path):
    catalogue = load_catalogue(catalogue_path)
    initialise_stock(fake_redis, catalogue)
    fake_redis.hincrby(keys.STOCK, "adult", -1)
    version = fake_redis.get(keys.CATALOGUE_VERSION)
    data = json.loads(catalogue_path.read_text())
    data["tickets"].append({"id": "child", "name": "Child", "type": "child", "price": 10, "stock": 7})
    data["tickets"][0]["stock"] = 5
    catalogue_path.write_text(json.dumps(data))

    # Redis is the source of truth once seeded: an edited seed never rewrites the event or its stock
    # (organisers add ticket types through the API).
    assert initialise_stock(fake_redis, load_catalogue(catalogue_path)) == 0
    assert fake_redis.hmget(keys.STOCK, ["adult", "child"]) == ["99", None]
    assert fake_redis.get(keys.CATALOGUE_VERSION) == version


def test_a_seed_event_is_added_beside_the_ones_redis_has(fake_redis, catalogue_path):
    initialise_stock(fake_redis, load_catalogue(catalogue_path))
    data = [
        json.loads(catalogue_path.read_text()) | {"event": {"id": "main"}},
        {"id": "b-side", "name": "B", "currency": "EUR", "startsAt": "2027-01-01T20:00:00Z",
         "tickets": [{"id": "b1", "name": "B1", "type": "adult", "price": 1, "stock": 4}]},
    ]  # fmt: skip
    data[0] = {"id": "main", "name": "Test Gig", "currency": "EUR", "tickets": data[0]["tickets"]}
    catalogue_path.write_text(json.dumps(data))
    assert initialise_stock(fake_redis, load_catalogue(catalogue_path)) == 1
    assert fake_redis.hget(keys.STOCK, "b1") == "4"
    assert fake_redis.hget(keys.CATALOGUE_TICKETS, "b1") == "b-side"


def test_a_redis_that_lost_only_its_stock_gets_it_back_from_the_records(fake_redis, catalogue_path):
    # A cluster node restarted without its data: the catalogue's node kept the records.
    initialise_stock(fake_redis, load_catalogue(catalogue_path))
    fake_redis.delete(keys.STOCK, keys.STOCK_INITIAL)
    assert initialise_stock(fake_redis, load_catalogue(catalogue_path)) == 3
    assert fake_redis.hget(keys.STOCK, "vip") == fake_redis.hget(keys.STOCK_INITIAL, "vip") == "5"


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


class CountingRedis:
    """A fakeredis client counting the commands the cache sends."""

    def __init__(self, client):
        self.client, self.calls = client, []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.client, name)


def test_the_cache_checks_the_version_at_most_once_a_ttl_and_reloads_only_when_it_changed(
    fake_redis, catalogue_path, monkeypatch
):
    from api_gateway import catalogue as cat

    seed = load_catalogue(catalogue_path)
    initialise_stock(fake_redis, seed)
    clock = [100.0]
    monkeypatch.setattr(cat.time, "monotonic", lambda: clock[0])
    spy = CountingRedis(fake_redis)
    cache = cat.CatalogueCache(spy, seed, "main", ttl=1.0)

    first = cache.get()
    assert spy.calls == ["get", "get", "hgetall"]  # the version, then (new to it) the catalogue
    spy.calls.clear()
    clock[0] += 0.5
    assert cache.get() is first and spy.calls == []  # within the second: nothing asked
    clock[0] += 0.6
    assert cache.get() is first and spy.calls == ["get"]  # the version only: unchanged
    spy.calls.clear()

    record = json.loads(fake_redis.hget(keys.CATALOGUE_EVENTS, "main"))
    record["name"] = "Renamed Gig"
    fake_redis.hset(keys.CATALOGUE_EVENTS, "main", json.dumps(record))
    fake_redis.incr(keys.CATALOGUE_VERSION)  # as every organiser write does
    assert cache.get().sale_name == "Test Gig"  # not checked again yet
    clock[0] += 1.0
    assert cache.get().sale_name == "Renamed Gig"
