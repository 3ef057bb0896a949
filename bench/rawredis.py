"""A raw pipelined Redis connection: commands pre-encoded in the Redis protocol and sent in
batches over a plain socket, so that no client library work is in a timed loop."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


def resp(*args) -> bytes:
    """One command in the Redis protocol."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


SENTINEL = resp("ECHO", "bench-batch-end")
SENTINEL_REPLY = b"$15\r\nbench-batch-end\r\n"


class RawRedis:
    """Pre-encoded command batches over a plain socket.

    Each batch is followed by an ECHO whose answer marks the end of the batch's replies.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 6379))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def batch(self, payload: bytes) -> bytes:
        """Send a batch of commands, return the raw replies (without the sentinel's)."""
        self.sock.sendall(payload + SENTINEL)
        buf = bytearray()
        while not buf.endswith(SENTINEL_REPLY):
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            buf += chunk
        return bytes(buf[: -len(SENTINEL_REPLY)])

    def close(self) -> None:
        self.sock.close()


def reply_errors(replies: bytes) -> int:
    """How many error replies a batch's raw replies hold (no bulk string we use starts with '-')."""
    return replies.count(b"\r\n-") + (1 if replies.startswith(b"-") else 0)
