"""The Server-Sent Events wire format (WHATWG HTML, "Server-sent events"): what each frame looks like."""

from __future__ import annotations

import json
from typing import Any

KEEP_ALIVE = ": keep-alive\n\n"


def frame(event: str, data: Any, event_id: str | None = None) -> str:
    """One event: `event:`, an optional `id:` (what the browser sends back as Last-Event-ID) and its
    JSON `data:` on one line (JSON has no raw newline, so one data line is always enough)."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def retry(ms: int) -> str:
    return f"retry: {ms}\n\n"
