"""Subscribers and their fan-out: in-memory, bounded, one process's worth.

A subscriber is an asyncio queue of ready-to-send SSE frames (or (stream id, frame) pairs) under a topic (("orders", orderId),
("queue", saleId, visitorId), ("stock",), ("dashboard",)). The readers (feeds.py, one task each per
process) publish to a topic; no subscriber has a Redis connection, a thread or a task of its own.

A full queue means the browser reads slower than events come: the subscriber is dropped (its queue
emptied, then a DROPPED mark; its stream ends and the browser reconnects with Last-Event-ID or falls
back to polling), so one slow reader can neither block the others nor grow the process's memory.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Hashable, Iterator
from typing import Any

from . import metrics

Topic = tuple[Hashable, ...]

# Marks in a subscriber's queue, besides frames: the stream ends after them.
DROPPED = object()
CLOSE = object()


class Subscriber:
    def __init__(self, topic: Topic, size: int) -> None:
        self.topic = topic
        self.channel = str(topic[0])
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=size)
        self.dropped = False
        # What the subscriber last got, for the channels that send only changes (queue, stock).
        self.last: Any = None
        # Stream entry ids at or below this one are already reflected in what it was sent: set from
        # the snapshot it got first; a change queued meanwhile with an id up to it is skipped.
        self.seen_id: str = "0-0"


class Full(Exception):
    """The process has as many subscribers as it accepts (LIVE_MAX_SUBSCRIBERS)."""


class Hub:
    def __init__(self, queue_size: int, max_subscribers: int) -> None:
        self.queue_size = queue_size
        self.max_subscribers = max_subscribers
        self.topics: dict[Topic, set[Subscriber]] = defaultdict(set)
        self.count = 0

    def subscribe(self, topic: Topic) -> Subscriber:
        if self.count >= self.max_subscribers:
            raise Full(f"this process has {self.count} open streams, its limit (LIVE_MAX_SUBSCRIBERS)")
        sub = Subscriber(topic, self.queue_size)
        self.topics[topic].add(sub)
        self.count += 1
        metrics.SUBSCRIBERS.labels(sub.channel).inc()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self.topics.get(sub.topic)
        if subs is None or sub not in subs:
            return
        subs.discard(sub)
        if not subs:
            del self.topics[sub.topic]
        self.count -= 1
        metrics.SUBSCRIBERS.labels(sub.channel).dec()

    def subscribers(self, topic: Topic) -> set[Subscriber]:
        return self.topics.get(topic, set())

    def topics_of(self, channel: str) -> Iterator[Topic]:
        return (t for t in list(self.topics) if t[0] == channel)

    def has(self, channel: str) -> bool:
        return any(t[0] == channel for t in self.topics)

    def offer(self, sub: Subscriber, item: Any) -> bool:
        """Queue one frame (or CLOSE) for `sub`; a full queue drops it. False if it was dropped."""
        if sub.dropped:
            return False
        try:
            sub.queue.put_nowait(item)
        except asyncio.QueueFull:
            drop(sub)
            return False
        if item is not CLOSE:
            metrics.EVENTS_SENT.labels(sub.channel).inc()
        return True

    def publish(self, topic: Topic, item: Any) -> int:
        """Offer `item` to every subscriber of `topic`; the number that took it."""
        return sum(self.offer(sub, item) for sub in list(self.subscribers(topic)))


def drop(sub: Subscriber) -> None:
    """Empty the queue of a subscriber that fell behind and leave only the DROPPED mark."""
    sub.dropped = True
    while not sub.queue.empty():
        sub.queue.get_nowait()
    sub.queue.put_nowait(DROPPED)
    metrics.DROPPED.labels(sub.channel).inc()
