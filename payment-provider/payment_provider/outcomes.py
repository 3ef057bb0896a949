"""How a charge is decided: by test card number, else by the configured outcome mix, with a simulated
processing latency. Plain functions of (settings-derived values, idempotency key, attempt): the same
key and attempt always draw the same outcome and latency (reproducible runs), a retry draws anew."""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    ERROR = "error"  # 503, nothing recorded
    TIMEOUT = "timeout"  # recorded approved, answered late


# The test cards (documented in the README). Any other number, or none, takes the mix.
TEST_CARDS: dict[str, Outcome] = {
    "4242424242424242": Outcome.APPROVE,
    "4000000000000002": Outcome.DECLINE,
    "4000000000000119": Outcome.ERROR,
    "4000000000003220": Outcome.TIMEOUT,
}

DEFAULT_MIX = "approve=80,decline=10,error=10,timeout=0"


@dataclass(frozen=True)
class Mix:
    """Percentages per outcome, summing to 100."""

    weights: tuple[tuple[Outcome, float], ...]

    def pick(self, u: float) -> Outcome:
        """The outcome for a uniform draw u in [0, 1)."""
        point = u * 100
        cumulative = 0.0
        chosen = None
        for outcome, weight in self.weights:
            if weight <= 0:
                continue
            cumulative += weight
            chosen = outcome
            if point < cumulative:
                return outcome
        assert chosen is not None  # parse_mix guarantees a positive weight
        return chosen  # rounding at the very top of the range

    def as_dict(self) -> dict[str, float]:
        return {o.value: w for o, w in self.weights}


def parse_mix(text: str) -> Mix:
    """ "approve=80,decline=10,error=10,timeout=0" -> Mix; ValueError with the reason otherwise.
    Outcomes left out weigh 0; the weights are percentages and must add up to 100."""
    seen: dict[Outcome, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not sep:
            raise ValueError(f"'{part}' is not name=percent")
        try:
            outcome = Outcome(name)
        except ValueError:
            raise ValueError(f"unknown outcome '{name}' (one of approve, decline, error, timeout)") from None
        if outcome in seen:
            raise ValueError(f"'{name}' is given twice")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"{name}: '{value.strip()}' is not a number") from None
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{name}: must be a percentage of 0 or more (got {value.strip()})")
        seen[outcome] = weight
    total = sum(seen.values())
    if abs(total - 100) > 1e-9:
        raise ValueError(f"the percentages must add up to 100 (they add up to {total:g})")
    return Mix(tuple((o, seen.get(o, 0.0)) for o in Outcome))


@dataclass(frozen=True)
class Latency:
    """Lognormal processing time: median `median_ms`, spread `sigma` (of the underlying normal), capped."""

    median_ms: float
    sigma: float
    max_ms: float

    def draw(self, rng: random.Random) -> float:
        """Seconds."""
        if self.median_ms <= 0:
            return 0.0
        ms = self.median_ms * math.exp(self.sigma * rng.gauss(0.0, 1.0))
        return min(ms, self.max_ms) / 1000


def normalize_card(number: str) -> str:
    """Digits only (spaces and dashes as people type them are dropped)."""
    return "".join(number.split()).replace("-", "")


def rng_for(seed: str, idempotency_key: str, attempt: int) -> random.Random:
    """A generator seeded by the key and its attempt: reproducible, and independent across keys."""
    digest = hashlib.sha256(f"{seed}\0{idempotency_key}\0{attempt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    latency_s: float
    by_card: bool


def decide(mix: Mix, latency: Latency, seed: str, idempotency_key: str, attempt: int, card: str | None) -> Decision:
    """The outcome and latency of one attempt at a charge."""
    rng = rng_for(seed, idempotency_key, attempt)
    u = rng.random()  # drawn first whatever the card, so the latency is the same draw either way
    delay = latency.draw(rng)
    by_card = TEST_CARDS.get(card) if card else None
    if by_card is not None:
        return Decision(by_card, delay, True)
    return Decision(mix.pick(u), delay, False)
