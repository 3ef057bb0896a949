"""The waiting room over HTTP and its Lua steps, on the session's real redis-server: joining and leaving,
fair admission, pausing, the opening time, adaptive admission, tokens at intake, the operator's endpoints."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import SecretStr

from api_gateway import admission_token, metrics
from api_gateway.app import create_app
from api_gateway.waiting_room import AdmissionRule, admit, redis_now_ms
from ticketing_common import keys

from .conftest import order_body

SALE = "main"  # the test catalogue's event has no id
QUEUE = f"/sales/{SALE}/queue"
ROOM = f"/sales/{SALE}/room"
TOKEN = "operator-token-0123456789"
FAST = AdmissionRule()


@pytest.fixture
def app(settings, real_redis):
    return create_app(settings, real_redis)


@pytest.fixture
def http(app):
    return app.test_client()


def services(app):
    return app.extensions["ticketing"]


def operate(http, **changes) -> dict:
    response = http.put(ROOM, json=changes)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def join(http, visitor_id: str | None = None):
    return http.post(QUEUE, json={} if visitor_id is None else {"visitorId": visitor_id})


def admit_until(app, admitted: int, rule: AdmissionRule = FAST) -> None:
    """Run admission steps until `admitted` visitors are in (bounded: a step in the same millisecond
    as the last admits nobody, so a few may be needed)."""
    s = services(app)
    deadline = time.monotonic() + 5
    while s.redis.zcard(keys.room_admitted_key(SALE)) < admitted:
        assert time.monotonic() < deadline, "admission did not happen"
        admit(s.redis, s.admit_room, SALE, rule)
        time.sleep(0.002)


def admitted_visitor(app, http, **room) -> tuple[str, str]:
    """A visitor let in: (visitorId, admission token)."""
    operate(http, state="open", rate=100_000, **room)
    visitor = join(http).get_json()["visitorId"]
    admit_until(app, services(app).redis.zcard(keys.room_admitted_key(SALE)) + 1)
    status = http.get(f"{QUEUE}/{visitor}").get_json()
    assert status["status"] == "admitted" and status["admissionToken"]
    return visitor, status["admissionToken"]


def stored_orders(redis) -> int:
    return len(list(redis.scan_iter(keys.ORDER_PREFIX + "*")))


# --- joining, status, leaving ---------------------------------------------------------------------------


def test_the_room_is_off_by_default_and_orders_need_no_token(http, real_redis):
    assert http.get("/sales").get_json() == {
        "sales": [{"saleId": SALE, "name": "Test Gig", "opensAt": None, "open": True, "room": {"state": "off"}}]
    }
    assert join(http).status_code == 409
    assert join(http).get_json() == {"error": "the waiting room is off: buy directly"}
    assert http.post("/orders", json=order_body()).status_code == 201


def test_joining_gives_a_place_and_a_visitor_id_and_status_reads_it(http):
    operate(http, state="paused")
    first, second = join(http), join(http)
    assert first.status_code == second.status_code == 201
    body = second.get_json()
    uuid.UUID(body["visitorId"])
    assert body | {"visitorId": None} == {
        "visitorId": None,
        "saleId": SALE,
        "status": "waiting",
        "position": 2,
        "ahead": 1,
        "queueLength": 2,
        "admissionRatePerSecond": 0.0,  # paused
        "estimatedWaitSeconds": None,
        "pollAfterMs": 15_000,
        "opensAt": None,
        "roomState": "paused",
        "admissionToken": None,
        "tokenExpiresAt": None,
        "usesLeft": None,
    }
    assert http.get(f"{QUEUE}/{body['visitorId']}").get_json() == body


def test_the_estimated_wait_is_ahead_over_the_rate(http):
    operate(http, state="open", rate=2)
    for _ in range(5):
        last = join(http).get_json()
    assert (last["ahead"], last["admissionRatePerSecond"], last["estimatedWaitSeconds"]) == (4, 2.0, 2.0)
    assert last["pollAfterMs"] == 1000  # a tenth of the wait, at least a second


def test_one_place_per_visitor_under_concurrent_rejoins(http, app, real_redis):
    operate(http, state="open", rate=1)
    visitor = join(http).get_json()["visitorId"]

    def rejoin(i: int):
        client = app.test_client()
        # Half of them join again with the same id, the others are new visitors arriving at the same time.
        return client.post(QUEUE, json={"visitorId": visitor} if i % 2 == 0 else {})

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(rejoin, range(32)))
    again = [r for i, r in enumerate(responses) if i % 2 == 0]
    assert {r.status_code for r in again} == {200}
    assert {(r.get_json()["visitorId"], r.get_json()["position"]) for r in again} == {(visitor, 1)}
    assert {r.status_code for i, r in enumerate(responses) if i % 2} == {201}
    assert real_redis.zcard(keys.room_waiting_key(SALE)) == 1 + 16
    assert real_redis.hlen(keys.room_visitors_key(SALE)) == 1 + 16


def test_leaving_frees_the_place_and_everyone_behind_moves_up(http):
    operate(http, state="paused")
    a, b, c = (join(http).get_json()["visitorId"] for _ in range(3))
    assert http.delete(f"{QUEUE}/{b}").status_code == 204
    assert http.get(f"{QUEUE}/{b}").status_code == 404
    assert http.delete(f"{QUEUE}/{b}").status_code == 404
    assert http.get(f"{QUEUE}/{c}").get_json()["position"] == 2
    assert http.get(f"{QUEUE}/{a}").get_json()["position"] == 1


def test_an_unknown_visitor_id_joins_as_new_and_a_non_uuid_is_422(http):
    operate(http, state="open")
    stranger = str(uuid.uuid4())
    response = join(http, stranger)
    assert response.status_code == 201 and response.get_json()["visitorId"] != stranger
    bad = join(http, "not-a-uuid")
    assert bad.status_code == 422 and bad.get_json()["field"] == "visitorId"
    assert http.get(f"{QUEUE}/{stranger}").status_code == 404


def test_a_closed_room_takes_no_one_new_but_keeps_those_in_line(http):
    operate(http, state="paused")
    visitor = join(http).get_json()["visitorId"]
    operate(http, state="closed")
    assert join(http).status_code == 409
    assert "closed" in join(http).get_json()["error"]
    kept = join(http, visitor)
    assert kept.status_code == 200 and kept.get_json()["position"] == 1


def test_an_unknown_sale_is_404(http):
    assert http.post("/sales/nope/queue", json={}).status_code == 404
    assert http.get(f"/sales/nope/queue/{uuid.uuid4()}").status_code == 404
    assert http.get("/sales/nope/room").status_code == 404


def test_the_room_and_the_line_survive_a_gateway_restart(settings, real_redis, http, app):
    operate(http, state="open", rate=100_000, tokenUses=3)
    first, second = (join(http).get_json()["visitorId"] for _ in range(2))
    admit_until(app, 1, AdmissionRule(max_per_run=1))
    third = join(http).get_json()["visitorId"]
    # Another gateway starts (or this one restarts) with ROOM_STATE=off: the room's settings stand.
    restarted = create_app(settings.model_copy(update={"room_token_uses": 9}), real_redis).test_client()
    assert restarted.get(ROOM).get_json()["state"] == "open"
    assert restarted.get(ROOM).get_json()["tokenUses"] == 3
    assert restarted.get(f"{QUEUE}/{first}").get_json()["status"] == "admitted"
    assert restarted.get(f"{QUEUE}/{second}").get_json()["position"] == 1
    assert restarted.get(f"{QUEUE}/{third}").get_json()["position"] == 2


# --- admission ------------------------------------------------------------------------------------------


def test_admission_order_is_arrival_order_under_concurrent_joins(http, app, real_redis):
    operate(http, state="paused", rate=100_000)

    def arrive(_: int) -> list[str]:
        client = app.test_client()
        return [client.post(QUEUE, json={}).get_json()["visitorId"] for _ in range(25)]

    with ThreadPoolExecutor(8) as pool:
        per_thread = list(pool.map(arrive, range(8)))
    visitors = [v for joined in per_thread for v in joined]
    positions = {v: http.get(f"{QUEUE}/{v}").get_json()["position"] for v in visitors}
    assert sorted(positions.values()) == list(range(1, 201))  # one place each, no gaps
    for joined in per_thread:  # who joined after whom (within a thread) stands behind them
        assert [positions[v] for v in joined] == sorted(positions[v] for v in joined)

    operate(http, state="open")
    line = sorted(visitors, key=positions.__getitem__)
    rule = AdmissionRule(max_per_run=7)
    s = services(app)
    for _ in range(500):
        admit(s.redis, s.admit_room, SALE, rule)
        admitted = set(real_redis.zrange(keys.room_admitted_key(SALE), 0, -1))
        assert admitted == set(line[: len(admitted)]), "someone was let in before a visitor who came earlier"
        if len(admitted) == len(line):
            break
        time.sleep(0.001)
    assert real_redis.zcard(keys.room_admitted_key(SALE)) == 200


def test_concurrent_admission_steps_admit_each_visitor_once_within_the_rate(http, app, real_redis):
    operate(http, state="paused")
    for _ in range(300):
        join(http)
    rate = 40
    started = redis_now_ms(real_redis)
    operate(http, state="open", rate=rate)  # the bucket starts empty
    s = services(app)
    other = create_app(app.extensions["ticketing"].settings, real_redis)  # a second gateway process
    scripts = [s.admit_room, services(other).admit_room]

    def steps(i: int) -> int:
        total = 0
        for _ in range(30):
            total += admit(real_redis, scripts[i % 2], SALE, FAST)[0]
            time.sleep(0.01)
        return total

    with ThreadPoolExecutor(8) as pool:
        admitted = sum(pool.map(steps, range(8)))
    elapsed_s = (redis_now_ms(real_redis) - started) / 1000
    assert admitted == real_redis.zcard(keys.room_admitted_key(SALE))
    assert admitted == int(real_redis.hget(keys.room_key(SALE), "admittedTotal") or 0)
    assert admitted + real_redis.zcard(keys.room_waiting_key(SALE)) == 300
    assert 0 < admitted <= rate * elapsed_s + 1  # the token bucket's bound, however many callers


def test_pausing_stops_admission_and_resuming_restarts_it(http, app, real_redis):
    operate(http, state="open", rate=100_000)
    for _ in range(5):
        join(http)
    operate(http, state="paused")
    s = services(app)
    for _ in range(5):
        assert admit(real_redis, s.admit_room, SALE, FAST)[0] == 0
        time.sleep(0.005)
    assert real_redis.zcard(keys.room_admitted_key(SALE)) == 0
    operate(http, state="open")
    admit_until(app, 5)


def test_nobody_is_admitted_and_nothing_sold_before_the_opening_time(http, app, real_redis):
    opens = "2099-01-01T10:00:00Z"
    # Room off: the opening time still holds.
    operate(http, opensAt=opens)
    refused = http.post("/orders", json=order_body())
    assert refused.status_code == 425
    assert refused.get_json() == {
        "error": "the sale opens at 2099-01-01T10:00:00.000Z",
        "opensAt": opens[:-1] + ".000Z",
    }
    assert http.get("/sales").get_json()["sales"][0]["open"] is False
    # Room open: people join, nobody gets in, nothing is sold.
    operate(http, state="open", rate=100_000)
    visitor = join(http).get_json()["visitorId"]
    s = services(app)
    for _ in range(5):
        assert admit(real_redis, s.admit_room, SALE, FAST)[0] == 0
        time.sleep(0.002)
    assert http.post("/orders", json=order_body()).status_code == 425
    assert stored_orders(real_redis) == 0 and real_redis.xlen(keys.ORDER_STREAM) == 0
    assert http.get(f"{QUEUE}/{visitor}").get_json()["admissionRatePerSecond"] == 0.0
    operate(http, opensAt=None)  # open now
    admit_until(app, 1)


def _ack(redis, count: int) -> None:
    entries = redis.xreadgroup(keys.CONSUMER_GROUP, "w1", {keys.ORDER_STREAM: ">"}, count=count)
    ids = [entry_id for _, batch in entries for entry_id, _ in batch]
    assert len(ids) == count
    redis.xack(keys.ORDER_STREAM, keys.CONSUMER_GROUP, *ids)


def test_adaptive_admission_rises_when_the_workers_decide_faster(http, app, real_redis):
    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    for i in range(400):
        real_redis.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: f"o{i}"})
    operate(http, state="open", mode="adaptive")
    s = services(app)
    rule = AdmissionRule(sample_interval_ms=100)

    def rates(acks_per_sample: int, samples: int) -> list[float]:
        seen = []
        for _ in range(samples):
            _ack(real_redis, acks_per_sample)
            time.sleep(0.12)  # at least one sample interval of the Redis clock
            seen.append(admit(real_redis, s.admit_room, SALE, rule)[1])
        return seen

    admit(real_redis, s.admit_room, SALE, rule)  # the first sample
    one_worker = rates(2, 5)  # slow decisions, a big backlog: the room lets few in
    many_workers = rates(60, 6)  # ten times the workers: the backlog drains, more are let in
    assert max(one_worker) < many_workers[-1]
    assert many_workers[-1] > 10 * max(one_worker)
    assert operate(http)["rate"] == pytest.approx(many_workers[-1], rel=1e-3)  # stored as the room's rate


def test_the_admitter_thread_admits_while_the_room_is_open_and_stops(settings, real_redis):
    app = create_app(settings.model_copy(update={"room_tick_interval_seconds": 0.02}), real_redis)
    http = app.test_client()
    try:
        operate(http, state="open", rate=1000)
        visitors = [join(http).get_json()["visitorId"] for _ in range(3)]
        deadline = time.monotonic() + 10
        while real_redis.zcard(keys.room_admitted_key(SALE)) < 3:
            assert time.monotonic() < deadline, "the admitter admitted nobody"
            time.sleep(0.02)
        assert {http.get(f"{QUEUE}/{v}").get_json()["status"] for v in visitors} == {"admitted"}
    finally:
        app.extensions["room_admitter"].stop()
    assert not [t for t in threading.enumerate() if t.name == "room-admitter"]


# --- tokens at intake -----------------------------------------------------------------------------------


def test_with_the_room_on_an_order_needs_a_token(http, real_redis):
    operate(http, state="open")
    response = http.post("/orders", json=order_body())
    assert response.status_code == 401 and "Admission-Token: required" in response.get_json()["error"]
    assert stored_orders(real_redis) == 0


def test_an_admitted_visitor_buys_with_the_token_and_its_uses_are_counted(http, app, real_redis):
    visitor, token = admitted_visitor(app, http, tokenUses=2)
    status = http.get(f"{QUEUE}/{visitor}").get_json()
    assert status["usesLeft"] == 2 and status["tokenExpiresAt"]
    headers = {"Admission-Token": token}
    assert http.post("/orders", json=order_body(), headers=headers).status_code == 201
    assert http.get(f"{QUEUE}/{visitor}").get_json()["usesLeft"] == 1
    assert http.post("/orders", json=order_body(), headers=headers).status_code == 201
    used_up = http.post("/orders", json=order_body(), headers=headers)  # a replay of a used-up token
    assert used_up.status_code == 429 and "used up" in used_up.get_json()["error"]
    assert stored_orders(real_redis) == 2 and real_redis.xlen(keys.ORDER_STREAM) == 2
    assert real_redis.hget(keys.room_uses_key(SALE), visitor) == "2"


def test_an_idempotent_replay_and_a_backlog_refusal_use_nothing(settings, real_redis):
    app = create_app(settings.model_copy(update={"max_stream_backlog": 1}), real_redis)
    http = app.test_client()
    visitor, token = admitted_visitor(app, http, tokenUses=2)
    headers = {"Admission-Token": token, "Idempotency-Key": "k-1"}
    assert http.post("/orders", json=order_body(), headers=headers).status_code == 201
    replay = http.post("/orders", json=order_body(), headers=headers)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert real_redis.hget(keys.room_uses_key(SALE), visitor) == "1"
    # The stream holds one undecided order: the backlog bound (1) is reached.
    full = http.post("/orders", json=order_body(), headers={"Admission-Token": token})
    assert full.status_code == 503
    assert real_redis.hget(keys.room_uses_key(SALE), visitor) == "1"


def _signed(app, **overrides) -> str:
    s = services(app)
    now = int(time.time() * 1000)
    args = {
        "visitor_id": str(uuid.uuid4()),
        "sale_id": SALE,
        "expires_ms": now + 600_000,
        "uses": 2,
        "now_ms": now,
        "rotation_seconds": s.tokens.rotation_seconds,
    }
    args.update(overrides)
    return admission_token.sign(s.tokens.secret, **args)


def test_bad_tokens_are_refused_with_their_reason_and_nothing_is_stored(http, app, real_redis):
    operate(http, state="open")
    now = int(time.time() * 1000)
    rotation_ms = services(app).tokens.rotation_seconds * 1000
    good = _signed(app)
    forged = admission_token.sign(
        b"not-the-secret" * 3,
        visitor_id="v",
        sale_id=SALE,
        expires_ms=now + 600_000,
        uses=50,
        now_ms=now,
        rotation_seconds=services(app).tokens.rotation_seconds,
    )
    cases = [
        ("garbage", 401, "malformed"),
        (good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"), 401, "bad signature"),
        (forged, 401, "bad signature"),
        (_signed(app, expires_ms=now - 1), 401, "expired"),
        (_signed(app, now_ms=now - 2 * rotation_ms, expires_ms=now + 600_000), 401, "retired"),
        (_signed(app, sale_id="another-sale"), 403, "for sale 'another-sale'"),
    ]
    invalid, other_sale = (metrics.ADMISSION_REFUSED.labels(r)._value.get() for r in ("invalid", "other_sale"))
    for token, status, reason in cases:
        response = http.post("/orders", json=order_body(), headers={"Admission-Token": token})
        assert response.status_code == status, (token, response.get_json())
        assert reason in response.get_json()["error"]
    assert stored_orders(real_redis) == 0 and real_redis.xlen(keys.ORDER_STREAM) == 0
    assert metrics.ADMISSION_REFUSED.labels("invalid")._value.get() == invalid + 5
    assert metrics.ADMISSION_REFUSED.labels("other_sale")._value.get() == other_sale + 1


def test_a_token_of_the_previous_key_still_buys(http, app):
    operate(http, state="open")
    rotation_ms = services(app).tokens.rotation_seconds * 1000
    previous = _signed(app, now_ms=int(time.time() * 1000) - rotation_ms)
    assert http.post("/orders", json=order_body(), headers={"Admission-Token": previous}).status_code == 201


def test_the_use_limit_holds_under_32_concurrent_orders_with_one_token(http, app, real_redis):
    visitor, token = admitted_visitor(app, http, tokenUses=5)

    def buy(_: int) -> int:
        return app.test_client().post("/orders", json=order_body(), headers={"Admission-Token": token}).status_code

    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(buy, range(32)))
    assert statuses.count(201) == 5 and statuses.count(429) == 27
    assert stored_orders(real_redis) == 5 and real_redis.xlen(keys.ORDER_STREAM) == 5
    assert real_redis.hget(keys.room_uses_key(SALE), visitor) == "5"


def test_an_order_in_the_second_the_cache_still_sees_the_room_off_is_gated_all_the_same(http, app, real_redis):
    visitor, token = admitted_visitor(app, http, tokenUses=1)
    operate(http, state="off")
    cache = services(app).rooms(SALE)
    cache.ttl = 3600  # within the cache's second, for as long as the test needs
    assert http.post("/orders", json=order_body()).status_code == 201  # the room off: no token needed
    assert cache.get().state == "off"
    real_redis.hset(keys.room_key(SALE), "state", "open")  # another gateway's operator call
    refused = http.post("/orders", json=order_body())  # this process's view is a second old: the step's is not
    assert refused.status_code == 401 and "Admission-Token: required" in refused.get_json()["error"]
    assert stored_orders(real_redis) == 1
    assert http.post("/orders", json=order_body(), headers={"Admission-Token": token}).status_code == 201
    assert real_redis.hget(keys.room_uses_key(SALE), visitor) == "1"  # its use counted, so the limit holds
    assert http.post("/orders", json=order_body(), headers={"Admission-Token": token}).status_code == 429
    assert stored_orders(real_redis) == 2


# --- the operator's endpoints ---------------------------------------------------------------------------


def test_room_stats_count_admissions_and_waits(http, app):
    operate(http, state="open", rate=100_000)
    for _ in range(4):
        join(http)
    admit_until(app, 4)
    stats = http.get(ROOM).get_json()
    assert stats["queueLength"] == 0 and stats["admittedTotal"] == 4
    assert stats["admissionRatePerSecond"] == pytest.approx(0.4)  # 4 in the last 10 s
    waits = stats["waitSeconds"]
    assert waits["count"] == 4 and 0 <= waits["p50"] <= waits["p99"]
    assert set(stats) == {
        "saleId",
        "state",
        "mode",
        "rate",
        "queueLength",
        "admittedTotal",
        "admissionRatePerSecond",
        "waitSeconds",
        "opensAt",
        "tokenTtlSeconds",
        "tokenUses",
    }


def test_anonymous_callers_off_loopback_cannot_read_or_steer_the_room(http):
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert http.get(ROOM, environ_base=remote).status_code == 403
    assert http.put(ROOM, json={"state": "open"}, environ_base=remote).status_code == 403
    # A remote browser relayed by the loopback proxy is still remote.
    relayed = {"REMOTE_ADDR": "127.0.0.1"}
    assert (
        http.put(
            ROOM, json={"state": "open"}, environ_base=relayed, headers={"X-Forwarded-For": "10.9.9.9"}
        ).status_code
        == 403
    )
    assert http.get(ROOM).get_json()["state"] == "off"


def test_with_admin_token_the_bearer_is_needed_and_accepted(settings, real_redis):
    http = create_app(settings.model_copy(update={"admin_token": SecretStr(TOKEN)}), real_redis).test_client()
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert http.get(ROOM, environ_base=remote).status_code == 401
    assert http.put(ROOM, json={"state": "open"}).status_code == 401  # loopback needs it too, once set
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    response = http.put(ROOM, json={"state": "open"}, headers=bearer, environ_base=remote)
    assert response.status_code == 200 and response.get_json()["state"] == "open"
    assert http.get(ROOM, headers=bearer, environ_base=remote).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"state": "bogus"},
        {"mode": "turbo"},
        {"rate": -1},
        {"rate": 0},
        {"rate": "fast"},
        {"opensAt": "tomorrow"},
        {"opensAt": "2027-01-01T10:00:00"},  # no time zone
        {"tokenUses": 0},
        {"tokenTtlSeconds": 1},
        {"unknown": 1},
    ],
)
def test_bad_room_settings_are_422_and_change_nothing(http, body):
    before = http.get(ROOM).get_json()
    response = http.put(ROOM, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]
    assert http.get(ROOM).get_json() == before


def test_a_body_that_is_not_json_is_400_as_everywhere(http):
    response = http.put(ROOM, data="{", content_type="application/json")
    assert response.status_code == 400


def test_the_room_settings_come_from_the_environment_where_redis_has_none(settings, real_redis):
    first = settings.model_copy(
        update={"room_state": "paused", "room_mode": "adaptive", "room_rate": 7.5, "room_token_uses": 4}
    )
    stats = create_app(first, real_redis).test_client().get(ROOM).get_json()
    assert (stats["state"], stats["mode"], stats["rate"], stats["tokenUses"]) == ("paused", "adaptive", 7.5, 4)


@pytest.mark.parametrize(
    "env, problem",
    [
        ({"ADMISSION_SECRET": "too-short"}, "ADMISSION_SECRET"),
        ({"ROOM_STATE": "ajar"}, "ROOM_STATE"),
        ({"ROOM_RATE": "0"}, "ROOM_RATE"),
        ({"ROOM_OPENS_AT": "2027-01-01T10:00:00"}, "ROOM_OPENS_AT"),  # no time zone
    ],
)
def test_bad_room_settings_stop_the_gateway_with_a_one_line_reason(env, problem, monkeypatch):
    from api_gateway.settings import GatewaySettings
    from ticketing_common.settings import describe_error

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as error:
        GatewaySettings()
    line = describe_error(error.value)  # what the service prints before it exits
    assert problem in line and "\n" not in line


def test_a_visitor_whose_admission_is_spent_joins_again_at_the_end(http, app, real_redis):
    visitor, token = admitted_visitor(app, http, tokenUses=1)
    behind = join(http).get_json()["visitorId"]
    assert join(http, visitor).get_json()["status"] == "admitted"  # not spent yet: the same admission
    assert http.post("/orders", json=order_body(), headers={"Admission-Token": token}).status_code == 201
    again = join(http, visitor)  # used up: a new place, under a new id, behind those who came meanwhile
    body = again.get_json()
    assert again.status_code == 201 and body["visitorId"] != visitor
    assert body["position"] == http.get(f"{QUEUE}/{behind}").get_json()["position"] + 1
    assert http.get(f"{QUEUE}/{visitor}").status_code == 404


def test_an_expired_admission_is_spent_too(http, app, real_redis):
    visitor, _ = admitted_visitor(app, http)
    # Admitted longer ago than the token's lifetime (600 s).
    real_redis.zadd(keys.room_admitted_key(SALE), {visitor: redis_now_ms(real_redis) - 601_000})
    again = join(http, visitor)
    assert again.status_code == 201 and again.get_json()["visitorId"] != visitor


def test_an_admission_token_beyond_its_documented_length_is_400_room_on_or_off(http, real_redis):
    too_long = {"Admission-Token": "x" * 1025}
    for state in ("off", "open"):
        operate(http, state=state)
        response = http.post("/orders", json=order_body(), headers=too_long)
        assert response.status_code == 400 and response.get_json()["field"] == "Admission-Token", state
    assert stored_orders(real_redis) == 0


def test_an_opening_time_that_is_a_number_is_422_and_changes_nothing(http):
    before = http.get(ROOM).get_json()
    response = http.put(ROOM, json={"opensAt": 0})
    assert response.status_code == 422 and "opensAt" in response.get_json()["error"]
    assert http.get(ROOM).get_json() == before
