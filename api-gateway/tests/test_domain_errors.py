"""The logic raises domain errors; only errors.py knows their HTTP status."""

import ast
from pathlib import Path

import pytest

import api_gateway
from api_gateway import domain_errors
from api_gateway.errors import DOMAIN_STATUS, from_domain_error

PACKAGE = Path(api_gateway.__file__).parent
LOGIC_MODULES = ["orders.py", "admin.py", "catalogue.py", "stock.py", "demo_reset.py", "tickets.py", "system_status.py"]


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def test_every_domain_error_has_its_status():
    assert set(subclasses(domain_errors.DomainError)) == set(DOMAIN_STATUS)


@pytest.mark.parametrize("module", LOGIC_MODULES)
def test_the_logic_knows_nothing_of_http(module):
    tree = ast.parse((PACKAGE / module).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names} | {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"ApiError", "errors", "flask"}, (
        f"{module} imports {imported & {'ApiError', 'errors', 'flask'}}"
    )


def test_a_domain_error_becomes_the_policy_s_body_with_its_field_and_headers():
    error = from_domain_error(domain_errors.UnknownTicket("unknown ticket 'x'", "items[0].ticketId"))
    assert (error.status, error.message, error.field) == (
        400,
        "items[0].ticketId: unknown ticket 'x'",
        "items[0].ticketId",
    )
    full = from_domain_error(domain_errors.BacklogFull("too many", retry_after=2))
    assert (full.status, full.message, full.field, full.headers) == (503, "too many", None, {"Retry-After": "2"})
