"""The fan-out, in memory: bounded queues, a slow subscriber dropped without touching the others."""

from __future__ import annotations

import asyncio

import pytest

from live_updates.app import relay
from live_updates.hub import CLOSE, DROPPED, Full, Hub


def test_a_subscriber_that_falls_behind_is_dropped_and_the_others_keep_theirs():
    hub = Hub(queue_size=3, max_subscribers=10)
    slow, fast = hub.subscribe(("stock",)), hub.subscribe(("stock",))
    for i in range(3):
        assert hub.publish(("stock",), f"frame {i}") == 2
        fast.queue.get_nowait()  # the fast one keeps up
    assert hub.publish(("stock",), "frame 3") == 1  # the slow one's queue was full
    assert slow.dropped and slow.queue.qsize() == 1 and slow.queue.get_nowait() is DROPPED
    assert not fast.dropped and fast.queue.get_nowait() == "frame 3"
    assert hub.publish(("stock",), "frame 4") == 1  # nothing more for the dropped one


def test_a_dropped_stream_ends_and_leaves_the_hub():
    async def main():
        hub = Hub(queue_size=2, max_subscribers=10)
        sub = hub.subscribe(("orders", "o1"))
        for i in range(3):
            hub.publish(("orders", "o1"), f"frame {i}")
        frames = [f async for f in relay(hub, sub, ["first"], keepalive=5)]
        return frames, hub.count, hub.topics

    frames, count, topics = asyncio.run(main())
    assert frames == ["first"]  # what it missed is not sent: it reconnects with Last-Event-ID
    assert count == 0 and not topics


def test_changes_already_shown_by_the_first_frames_are_skipped_and_close_ends_the_stream():
    async def main():
        hub = Hub(queue_size=10, max_subscribers=10)
        sub = hub.subscribe(("orders", "o1"))
        sub.seen_id = "5-0"  # the snapshot's tip
        for entry_id in ("4-0", "5-0", "6-0", "6-0"):
            hub.publish(("orders", "o1"), (entry_id, f"change {entry_id}"))
        hub.publish(("orders", "o1"), CLOSE)
        return [f async for f in relay(hub, sub, [], keepalive=5)]

    assert asyncio.run(main()) == ["change 6-0"]


def test_the_process_refuses_subscribers_beyond_its_limit():
    hub = Hub(queue_size=2, max_subscribers=2)
    first = hub.subscribe(("stock",))
    hub.subscribe(("dashboard",))
    with pytest.raises(Full):
        hub.subscribe(("stock",))
    hub.unsubscribe(first)
    hub.subscribe(("stock",))
