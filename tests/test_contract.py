"""The Lua scripts speak the shared contract: every field, status and reason they name is defined once
in ticketing_common, so a typo or a rename on one side fails here instead of in production."""

import re
from pathlib import Path

import pytest

from payment_provider import record as charge_record
from payment_provider.outcomes import Outcome as ChargeOutcome
from ticketing_common import keys, order_record
from ticketing_common.status import (
    CatalogueOutcome,
    DecisionOutcome,
    IntakeOutcome,
    OrderStatus,
    PaymentStatus,
    Reason,
    RoomMode,
    RoomState,
    VisitorState,
)

ROOT = Path(__file__).resolve().parent.parent
LUA_FILES = sorted(ROOT.glob("*/*/*.lua"))

# Words a script may use that are not part of the order contract.
DEAD_LETTER_FIELDS = {"entryId", "deliveries", "reason"}  # fields of a dead-letter entry
IDEMPOTENCY_FIELDS = {"fingerprint", "response"}  # fields of an idempotency record
XINFO_FIELDS = {"name", "lag", "pending"}  # fields of Redis's XINFO GROUPS reply
LUA_TYPE_NAMES = {"string", "number", "table", "nil", "boolean"}


# The payment provider is no party to the order contract: its scripts speak its own (payment_provider/record.py).
PROVIDER_SCRIPTS = ROOT / "payment-provider"
PROVIDER_WORDS = (
    set(charge_record.CHARGE_FIELDS)
    | set(charge_record.TOTALS_FIELDS)
    | {s.value for s in charge_record.ChargeStatus}
    | {v.value for v in charge_record.Verdict}
    | {v.value for v in charge_record.RefundVerdict}
    | {o.value for o in ChargeOutcome}
)


def string_literals(lua: str) -> set[str]:
    code = "\n".join(line.split("--", 1)[0] for line in lua.splitlines())
    return set(re.findall(r"'([^']*)'", code))


def test_there_are_lua_scripts_to_check():
    names = {p.name for p in LUA_FILES}
    assert {"enqueue_order.lua", "decide_order.lua", "dead_letter.lua", "remove_idle_consumer.lua"} <= names
    assert {"charge.lua", "refund.lua"} <= names
    assert {"join.lua", "admit.lua"} <= names
    assert {"catalogue_write.lua", "add_stock.lua"} <= names


@pytest.mark.parametrize("path", LUA_FILES, ids=lambda p: p.name)
def test_every_word_a_script_uses_is_defined_in_the_contract(path):
    if path.is_relative_to(PROVIDER_SCRIPTS):
        known = PROVIDER_WORDS
    else:
        known = (
            set(order_record.FIELDS)
            | {s.value for s in OrderStatus}
            | {r.value for r in Reason}
            | {p.value for p in PaymentStatus}
            | {o.value for o in DecisionOutcome}
            | {o.value for o in IntakeOutcome}
            | DEAD_LETTER_FIELDS
            | IDEMPOTENCY_FIELDS
            | XINFO_FIELDS
            | set(keys.SCALING_EVENT_FIELDS)
            | set(keys.ORDER_EVENT_FIELDS)
            | set(keys.ROOM_FIELDS)
            | {s.value for s in RoomState}
            | {m.value for m in RoomMode}
            | {v.value for v in VisitorState}
            | {o.value for o in CatalogueOutcome}
        )
    # Words only: error messages (with spaces), Redis commands and options (upper case)
    # and stream id specials (~ * + -) are not contract.
    words = {w for w in string_literals(path.read_text()) if re.fullmatch(r"[A-Za-z_]*[a-z][A-Za-z_]*", w)}
    unknown = words - known - LUA_TYPE_NAMES
    assert not unknown, f"{path.name} uses words the contract does not define: {sorted(unknown)}"


@pytest.mark.parametrize("path", LUA_FILES, ids=lambda p: p.name)
def test_every_script_documents_its_keys_argv_and_return_value_in_its_header(path):
    lines = path.read_text().splitlines()
    header = "\n".join(
        line for line in lines[: next(i for i, l in enumerate(lines) if l.strip() and not l.startswith(("--", "#!")))]
    )
    assert "KEYS[1]" in header and "ARGV[1]" in header and "Returns" in header
