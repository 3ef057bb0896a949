"""DirectScript answers as redis-py's Script does, on a real Redis, through the paths that are not plain."""

from __future__ import annotations

import threading

import pytest
import redis

from api_gateway.direct_script import DirectScript

ECHO = "redis.call('INCR', KEYS[1]) return {ARGV[1]}"


def call(script: DirectScript, word: str, client: redis.Redis | None = None) -> tuple[str, int]:
    """The script's reply, and the id Redis gives the connection this thread called it on."""
    (reply,) = script(keys=["n"], args=[word], client=client)
    conn = script._local.conn
    conn.send_command("CLIENT", "ID")
    return reply, conn.read_response()


@pytest.fixture
def echo(real_redis: redis.Redis) -> DirectScript:
    return DirectScript(real_redis, ECHO)


def test_the_reply_is_what_script_returns(real_redis: redis.Redis, echo: DirectScript) -> None:
    (word,) = echo(keys=["n"], args=["héllo"])
    (reference,) = real_redis.register_script(ECHO)(keys=["n"], args=["héllo"])
    assert word == reference == "héllo"  # decoded as the client decodes
    assert real_redis.get("n") == "2"


def test_a_thread_keeps_its_connection_and_threads_do_not_share_one(echo: DirectScript) -> None:
    first = call(echo, "a")[1]
    assert call(echo, "a")[1] == first
    seen: list[int] = []

    def twice() -> None:
        seen.append(call(echo, "b")[1])
        seen.append(call(echo, "b")[1])

    threads = [threading.Thread(target=twice) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Each thread's two calls are adjacent in `seen` only if the threads did not interleave: compare sets.
    assert len(set(seen)) == 4 and first not in seen


def test_a_flushed_script_cache_is_loaded_again(real_redis: redis.Redis, echo: DirectScript) -> None:
    echo(keys=["n"], args=["x"])
    real_redis.script_flush()
    assert echo(keys=["n"], args=["x"]) == ["x"]
    assert real_redis.get("n") == "2"  # once per call: the NOSCRIPT reply ran nothing


def test_a_killed_connection_is_replaced_and_the_call_still_answers(
    real_redis: redis.Redis, echo: DirectScript
) -> None:
    before = call(echo, "x")[1]
    real_redis.client_kill_filter(_id=before)
    assert echo(keys=["n"], args=["y"]) == ["y"]
    after = call(echo, "z")[1]
    assert after != before
    assert real_redis.get("n") == "3"


def test_an_error_reply_is_raised_as_script_raises_it(real_redis: redis.Redis) -> None:
    source = "if ARGV[1] == 'fail' then return redis.error_reply('order id taken') end return {ARGV[1]}"
    direct, reference = DirectScript(real_redis, source), real_redis.register_script(source)
    for script in (direct, reference):
        with pytest.raises(redis.ResponseError, match="order id taken"):
            script(keys=[], args=["fail"])
    # The connection is still in step: the next call on it reads its own reply.
    assert direct(keys=[], args=["ok"]) == ["ok"]


def test_another_client_takes_redis_pys_path(real_redis: redis.Redis, redis_url: str, echo: DirectScript) -> None:
    other = redis.Redis.from_url(redis_url, decode_responses=True, single_connection_client=True)
    try:
        assert DirectScript(other, ECHO)._connection_kwargs is None  # bound to one connection: Script's
        assert echo(keys=["n"], args=["w"], client=other) == ["w"]
    finally:
        other.close()
