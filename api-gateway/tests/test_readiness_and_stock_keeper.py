"""Readiness only reads; the stock a Redis lost comes back through the stock keeper instead."""

import time

from api_gateway.app import create_app
from api_gateway.catalogue import load_catalogue
from api_gateway.stock import StockKeeper
from ticketing_common import keys


def test_readyz_with_the_stock_missing_answers_ready_and_writes_nothing(client, fake_redis):
    fake_redis.delete(keys.STOCK, keys.STOCK_INITIAL)
    assert client.get("/readyz").status_code == 200
    assert not fake_redis.exists(keys.STOCK, keys.STOCK_INITIAL)


def test_readyz_at_maxmemory_answers_by_reachability(real_client, real_redis):
    real_redis.delete(keys.STOCK, keys.STOCK_INITIAL)
    real_redis.config_set("maxmemory-policy", "noeviction")
    real_redis.config_set("maxmemory", "1")  # below what is used: every write is refused
    try:
        response = real_client.get("/readyz")
    finally:
        real_redis.config_set("maxmemory", "0")
    assert response.status_code == 200, response.get_json()
    assert not real_redis.exists(keys.STOCK)


def test_the_keeper_gives_a_redis_that_lost_its_stock_the_catalogue_again(fake_redis, catalogue_path):
    keeper = StockKeeper(fake_redis, load_catalogue(catalogue_path), interval=60)
    assert keeper.check() == 3
    fake_redis.hincrby(keys.STOCK, "adult", -1)
    assert keeper.check() == 0  # stock there: nothing written, nothing reset
    assert fake_redis.hget(keys.STOCK, "adult") == "99"


def test_the_keeper_writes_nothing_while_the_stock_is_there_even_at_maxmemory(real_redis, catalogue_path):
    keeper = StockKeeper(real_redis, load_catalogue(catalogue_path), interval=60)
    keeper.check()
    real_redis.config_set("maxmemory-policy", "noeviction")
    real_redis.config_set("maxmemory", "1")
    try:
        assert keeper.check() == 0  # a write would raise OutOfMemoryError
    finally:
        real_redis.config_set("maxmemory", "0")


def test_the_app_runs_a_keeper_that_re_initialises_the_stock(settings, real_redis):
    app = create_app(settings.model_copy(update={"stock_check_interval_seconds": 0.05}), real_redis)
    keeper = app.extensions["stock_keeper"]
    try:
        real_redis.delete(keys.STOCK, keys.STOCK_INITIAL)
        deadline = time.monotonic() + 30
        while not real_redis.exists(keys.STOCK):
            assert time.monotonic() < deadline, "the stock was not initialised again"
            time.sleep(0.02)
        assert real_redis.hget(keys.STOCK, "adult") == "100"
    finally:
        keeper.stop()
