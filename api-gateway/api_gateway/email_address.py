"""The common e-mail address, checked cheaply: a fast path in front of pydantic's EmailStr.

email-validator (which EmailStr calls) handles every form an address may take: Unicode, IDNA,
quoted local parts, display names, special-use domains. It is also, measured per order, about a
tenth of the gateway's own CPU (docs/performance.md, "Gateway efficiency"). Almost every address a
ticket shop sees is plain ASCII: a dot-atom local part and a domain of LDH labels. For such an address
email-validator accepts it and normalises it only by lower-casing the domain, so this module gives
that answer itself; for anything else it answers None and EmailStr decides, with its own errors.
tests/test_email_address.py compares the two on generated addresses.
"""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES

# atext (RFC 5322 3.2.3) in dot-atoms, at most 64 characters; then two or more LDH labels of 1-63
# characters, the last (the top-level domain) starting and ending with a letter. A conservative subset of what
# email-validator accepts: an address outside it is not refused here, only handed on.
_PLAIN = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z])?"
)
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)
MAX_LOCAL_LENGTH = 64
MAX_DOMAIN_LENGTH = 253


def normalized_if_plain(value: str) -> str | None:
    """`local@domain` with the domain lower-cased, for a plain ASCII address; None for any other."""
    if len(value) > 254 or not _PLAIN.fullmatch(value):
        return None
    local, _, domain = value.partition("@")
    domain = domain.lower()
    # "--" in a label's third and fourth places marks IDNA ("xn--"): email-validator decodes and checks those.
    if len(local) > MAX_LOCAL_LENGTH or len(domain) > MAX_DOMAIN_LENGTH or "--" in domain:
        return None
    for special in _SPECIAL_USE:
        if domain == special or domain.endswith("." + special):
            return None
    return f"{local}@{domain}"
