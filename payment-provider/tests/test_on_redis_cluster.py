"""The payment provider's Redis steps on one Redis and on a Redis Cluster (REDIS_CLUSTER=true):
its keys share one hash tag, so its scripts and MULTI blocks run on one node."""

from __future__ import annotations

import asyncio

from payment_provider import charges
from payment_provider.charges import Scripts
from payment_provider.record import Verdict

from .test_idempotency_real_redis import rules


def test_charge_replay_refund_and_ledger_work_on_one_redis_and_on_the_cluster(redis_target):
    async def scenario():
        client = redis_target.async_client()
        try:
            scripts = Scripts.register(client)
            approve = rules("approve=100", median_ms=1, sigma=0.01)
            first = await charges.charge(client, scripts, approve, "order-c1", 1250, "EUR", None)
            again = await charges.charge(client, scripts, approve, "order-c1", 1250, "EUR", None)
            refunded, _view = await charges.refund(client, scripts, "order-c1")
            book = await charges.ledger(client, 10)
            return first, again, refunded, book
        finally:
            await client.aclose()

    first, again, refunded, book = asyncio.run(scenario())
    assert first.verdict is Verdict.RECORDED and again.verdict is Verdict.EXISTING
    assert again.charge["chargeId"] == first.charge["chargeId"]
    assert refunded.value == "refunded"
    assert [c["idempotencyKey"] for c in book["charges"]] == ["order-c1"]
