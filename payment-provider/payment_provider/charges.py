"""Charges, refunds and the ledger: plain functions over an async Redis client and the rules taken
from the settings. The routes (app.py) only translate HTTP to these and back.

Idempotency is charge.lua's: a charge is recorded once per key in one atomic step, and every other
call with that key (concurrent or later) gets the recorded answer. A simulated processing error
records nothing, so a retry may succeed; each unrecorded attempt of a key draws a new outcome.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import redis.asyncio as redis
from redis.commands.core import AsyncScript

from ticketing_common import redis_client
from ticketing_common.order_record import utc_timestamp

from . import keys
from .money import format_cents
from .outcomes import Decision, Latency, Mix, Outcome, decide, normalize_card
from .record import ChargeStatus, RefundVerdict, Verdict
from .settings import PaymentSettings

Sleep = Callable[[float], Awaitable[Any]]

# A new charge is recorded within PAYMENT_LATENCY_MAX_MS + this of its arrival (Redis's clock), or
# never: a caller that timed out and waited that long after its last POST may trust GET /charges/{key}.
RECORD_GRACE_MS = 1000


def lua(name: str) -> str:
    return files(__package__).joinpath(name).read_text()


@dataclass(frozen=True)
class Scripts:
    charge: AsyncScript
    refund: AsyncScript

    @classmethod
    def register(cls, client: redis_client.AsyncClient) -> Scripts:
        return cls(charge=client.register_script(lua("charge.lua")), refund=client.register_script(lua("refund.lua")))


@dataclass(frozen=True)
class Rules:
    """What the settings say about deciding a charge."""

    mix: Mix
    latency: Latency
    seed: str
    currency: str
    max_amount_cents: int
    timeout_delay_s: float
    attempts_ttl_s: int

    @property
    def record_deadline_ms(self) -> int:
        """How long after its arrival a new charge may still be recorded."""
        return int(self.latency.max_ms) + RECORD_GRACE_MS

    @classmethod
    def from_settings(cls, settings: PaymentSettings) -> Rules:
        return cls(
            mix=settings.mix(),
            latency=settings.latency(),
            seed=settings.payment_seed,
            currency=settings.payment_currency,
            max_amount_cents=settings.max_amount_cents(),
            timeout_delay_s=settings.payment_timeout_delay_seconds,
            attempts_ttl_s=settings.payment_attempts_ttl_seconds,
        )


@dataclass(frozen=True)
class ChargeResult:
    verdict: Verdict
    charge: dict[str, Any] | None  # the public view of the recorded charge (None for ERROR)
    decision: Decision | None = None  # this call's draw (None when answered from the record)
    answer_after_s: float = 0.0  # a `timeout` outcome: answer this late (the charge is recorded already)


def public_view(fields: dict[str, str]) -> dict[str, Any]:
    """The charge as the API shows it (never the card number: only its last four digits are stored)."""
    view: dict[str, Any] = {
        "chargeId": fields["chargeId"],
        "idempotencyKey": fields["idempotencyKey"],
        "status": fields["status"],
        "amount": fields["amount"],
        "currency": fields["currency"],
        "createdAt": fields["createdAt"],
        "cardLast4": fields.get("cardLast4") or None,
    }
    if "refundedAt" in fields:
        view["refundedAt"] = fields["refundedAt"]
    return view


def _text(fields: Mapping[Any, Any]) -> dict[str, str]:
    """A hash as text (the client decodes replies; its types say bytes or str)."""
    return {str(k): str(v) for k, v in fields.items()}


def _pairs(flat: list[Any]) -> dict[str, str]:
    return {str(flat[i]): str(flat[i + 1]) for i in range(0, len(flat), 2)}


def _recorded_verdict(fields: dict[str, str], amount_cents: int, currency: str) -> Verdict:
    same = fields.get("amountCents") == str(amount_cents) and fields.get("currency") == currency
    return Verdict.EXISTING if same else Verdict.CONFLICT


def _multi(client: object) -> bool:
    """MULTI for the read pipelines on one Redis; not on a cluster: redis-py 8.1's asyncio cluster
    client queues a transactional pipeline's commands through a throwaway event loop in a thread,
    and when the client (re)initialises there (first use, or after a failover's reconnect) its
    connections belong to that dead loop: later commands fail with "Event loop is closed". The
    charge does not need MULTI (INCR is atomic alone and the charge script re-checks the record
    itself); without it the ledger's page and totals may be one concurrent charge apart."""
    return not redis_client.is_cluster(client)


async def charge(
    client: redis_client.AsyncClient,
    scripts: Scripts,
    rules: Rules,
    idempotency_key: str,
    amount_cents: int,
    currency: str,
    card_number: str | None,
    sleep: Sleep = asyncio.sleep,
) -> ChargeResult:
    """Charge once per key: the recorded answer if the key has one, else draw, wait the simulated
    latency and record (or, for an error, record nothing). Validation is the caller's (the API's).
    Recorded within rules.record_deadline_ms of arrival, or not at all (LATE)."""
    # One round trip: the key's record if any, and this attempt's number (counted for a replay too:
    # harmless, and it saves a round trip on every new charge).
    attempts = keys.attempts_key(idempotency_key)
    pipe = client.pipeline(transaction=_multi(client))
    pipe.hgetall(keys.charge_key(idempotency_key))
    pipe.incr(attempts)
    pipe.expire(attempts, rules.attempts_ttl_s)
    if isinstance(client, redis.RedisCluster):
        # A cluster pipeline refuses keyless commands: the clock of the node that will run the
        # charge script (its keys' node), in a round trip of its own.
        found, attempt, _ = await pipe.execute()
        node = client.get_node_from_key(keys.charge_key(idempotency_key))
        seconds, micros = await client.time(target_nodes=node)
    else:
        pipe.time()
        found, attempt, _, (seconds, micros) = await pipe.execute()
    deadline_ms = int(seconds) * 1000 + int(micros) // 1000 + rules.record_deadline_ms
    recorded = _text(found)
    if recorded:  # a replay: answered at once, from the record, with no new draw
        return ChargeResult(_recorded_verdict(recorded, amount_cents, currency), public_view(recorded))

    card = normalize_card(card_number) if card_number else None
    decision = decide(rules.mix, rules.latency, rules.seed, idempotency_key, int(attempt), card)
    if decision.latency_s > 0:
        await sleep(decision.latency_s)

    # A timeout is an approval answered late; an error records nothing (the script's 'error').
    status = {
        Outcome.APPROVE: ChargeStatus.APPROVED.value,
        Outcome.TIMEOUT: ChargeStatus.APPROVED.value,
        Outcome.DECLINE: ChargeStatus.DECLINED.value,
    }.get(decision.outcome, Verdict.ERROR.value)
    reply = await scripts.charge(
        keys=[keys.charge_key(idempotency_key), keys.LEDGER, keys.SEQUENCE, keys.TOTALS],
        args=[
            status,
            f"ch_{uuid.uuid4().hex}",
            idempotency_key,
            format_cents(amount_cents),
            amount_cents,
            currency,
            utc_timestamp(),
            card[-4:] if card else "",
            decision.outcome.value,
            deadline_ms,
        ],
    )
    verdict = Verdict(reply[0])
    if verdict in (Verdict.ERROR, Verdict.LATE):
        return ChargeResult(verdict, None, decision)
    view = public_view(_pairs(reply[1:]))
    late = rules.timeout_delay_s if verdict is Verdict.RECORDED and decision.outcome is Outcome.TIMEOUT else 0.0
    return ChargeResult(verdict, view, decision if verdict is Verdict.RECORDED else None, late)


async def get_charge(client: redis_client.AsyncClient, idempotency_key: str) -> dict[str, Any] | None:
    fields = _text(await client.hgetall(keys.charge_key(idempotency_key)))
    return public_view(fields) if fields else None


async def refund(
    client: redis_client.AsyncClient, scripts: Scripts, idempotency_key: str
) -> tuple[RefundVerdict, dict | None]:
    reply = await scripts.refund(keys=[keys.charge_key(idempotency_key), keys.TOTALS], args=[utc_timestamp()])
    verdict = RefundVerdict(reply[0])
    return verdict, (public_view(_pairs(reply[1:])) if len(reply) > 1 else None)


async def ledger(client: redis_client.AsyncClient, limit: int) -> dict[str, Any]:
    """The newest `limit` charges and the totals over all charges (each counted under its current
    status: approved + declined + refunded = charges recorded)."""
    pipe = client.pipeline(transaction=_multi(client))
    pipe.zrevrange(keys.LEDGER, 0, limit - 1)
    pipe.hgetall(keys.TOTALS)
    newest, totals = await pipe.execute()
    pipe = client.pipeline(transaction=False)
    for key in newest:
        pipe.hgetall(keys.charge_key(key))
    charges = [public_view(_text(fields)) for fields in await pipe.execute() if fields]
    count = {name: int(totals.get(name, 0)) for name in ("approved", "declined", "refunded")}
    return {
        "charges": charges,
        "totals": {
            **count,
            "approvedAmount": format_cents(int(totals.get("approvedCents", 0))),
            "refundedAmount": format_cents(int(totals.get("refundedCents", 0))),
        },
    }
