"""The orders the generator sends: random, valid for the gateway, drawn from the configured mix."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from .config import Mix, TicketWeight


@dataclass(frozen=True)
class PlannedOrder:
    """A POST /orders body and what the generator will do after it: pay it `pay_after_s` later
    (a payLater order to be paid), leave it unpaid (`abandoned`), or nothing (paid at once)."""

    body: dict
    pay_after_s: float | None = None
    abandoned: bool = False
    card: str | None = None  # the card of a payLater order, sent with its payment


class OrderFactory:
    """Builds POST /orders bodies. Every order names each ticket once and holds at most maxTicketsPerOrder tickets."""

    def __init__(self, mix: Mix, tickets: list[TicketWeight], rng: random.Random) -> None:
        if not tickets:
            raise ValueError("an order mix needs at least one ticket")
        self.mix = mix
        self.rng = rng
        self._ids = [t.ticketId for t in tickets]
        self._id_weights = list(itertools.accumulate(t.weight for t in tickets))
        self._qtys = [q.qty for q in mix.quantities]
        self._qty_weights = list(itertools.accumulate(q.weight for q in mix.quantities))
        self._methods = [m.method.value for m in mix.paymentMethods]  # plain strings in the JSON body
        self._method_weights = list(itertools.accumulate(m.weight for m in mix.paymentMethods))
        self._seq = itertools.count(1)
        self._cards = [c.number for c in mix.cards or []]
        self._card_bounds = list(itertools.accumulate(c.share for c in mix.cards or []))

    def build(self) -> dict:
        """Just the body (the payment plan drawn and dropped)."""
        return self.draw().body

    def draw(self) -> PlannedOrder:
        """The next order: its body, then its payment plan from the mix's shares."""
        body = self._body()
        card = self._card()
        later = self.mix.abandonShare + self.mix.payLaterShare
        r = self.rng.random() if later > 0 else 1.0  # no draw when unused: the same orders as before
        if r < later:
            # payLater: the card goes with the payment (of an abandoned order, never).
            body["payLater"] = True
            if r < self.mix.abandonShare:
                return PlannedOrder(body, abandoned=True)
            return PlannedOrder(body, pay_after_s=self.mix.payAfterS, card=card)
        if card is not None:
            body["card"] = {"number": card}
        return PlannedOrder(body)

    def _card(self) -> str | None:
        if not self._cards:
            return None
        r = self.rng.random()
        for number, bound in zip(self._cards, self._card_bounds, strict=True):
            if r < bound:
                return number
        return None  # the rest: no card, the provider's configured mix

    def _body(self) -> dict:
        n = next(self._seq)
        cap = self.mix.maxTicketsPerOrder
        lines = 1
        most_lines = min(self.mix.maxItems, len(self._ids), cap)
        if most_lines >= 2 and self.rng.random() < self.mix.multiItemShare:
            lines = self.rng.randint(2, most_lines)
        items = []
        budget = cap
        for i, ticket_id in enumerate(self._pick_tickets(lines)):
            qty = self.rng.choices(self._qtys, cum_weights=self._qty_weights)[0]
            # Leave at least one ticket for each line still to come.
            qty = min(qty, budget - (lines - i - 1))
            budget -= qty
            items.append({"ticketId": ticket_id, "qty": qty})
        return {
            "customer": {"name": f"Load Test {n}", "email": f"loadtest+{n}@example.com"},
            "items": items,
            "paymentMethod": self.rng.choices(self._methods, cum_weights=self._method_weights)[0],
        }

    def _pick_tickets(self, k: int) -> list[str]:
        """k distinct ticket ids, drawn by weight."""
        if k == 1:
            return self.rng.choices(self._ids, cum_weights=self._id_weights)
        picked: list[str] = []
        for _ in range(20 * k):
            ticket_id = self.rng.choices(self._ids, cum_weights=self._id_weights)[0]
            if ticket_id not in picked:
                picked.append(ticket_id)
                if len(picked) == k:
                    return picked
        # Weights so skewed that draws keep repeating: fill up with the others.
        return picked + [t for t in self._ids if t not in picked][: k - len(picked)]
