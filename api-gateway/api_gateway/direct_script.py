"""A Lua script called on the calling thread's own Redis connection: the order path's one round trip.

redis-py's `Script.__call__` goes through `execute_command`, which on every call checks a connection
out of the pool and back (a lock, a `select` on the socket to see that it holds no stray reply, and
redis-py 8's connection-count and duration instruments) and wraps the call in its retry policy.
Measured in one process (docs/performance.md, "Gateway efficiency"), that is about 60 % of the
client's CPU for `EVALSHA`, more than packing, sending and reading the reply together.

`DirectScript` keeps one connection per thread (gunicorn's gthread pool has a fixed number of threads,
so as many connections as the pool would hold at its peak) and sends `EVALSHA` on it straight away.
Whatever is not the plain path is redis-py's again: a script the server has not loaded (NOSCRIPT), a
connection that failed (closed, then the call made once more through `Script`, with redis-py's retry
policy exactly as before), or a client that is not a single-node `redis.Redis` (a cluster client routes
by key slot, so it always takes `Script`). A reply is returned exactly as `Script` returns it.
"""

from __future__ import annotations

import threading
from typing import Any

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError


class DirectScript:
    def __init__(self, client: redis.Redis | redis.RedisCluster, source: str) -> None:
        self.client = client
        self.script = client.register_script(source)
        self.sha = self.script.sha
        # A cluster client, or a client bound to a single connection, keeps redis-py's path.
        self._connection_kwargs: dict[str, Any] | None = None
        self._connection_class: type[redis.Connection] = redis.Connection
        if type(client) is redis.Redis and client.connection is None:
            self._connection_kwargs = dict(client.connection_pool.connection_kwargs)
            self._connection_class = client.connection_pool.connection_class
        self._local = threading.local()

    def __call__(self, keys: list[str], args: list[Any], client: redis.Redis | redis.RedisCluster | None = None) -> Any:
        if self._connection_kwargs is None or (client is not None and client is not self.client):
            return self.script(keys=keys, args=args, client=client or self.client)
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connection_class(**self._connection_kwargs)
        try:
            conn.send_packed_command(conn.pack_command("EVALSHA", self.sha, len(keys), *keys, *args))
            return conn.read_response()
        except NoScriptError:
            pass  # a restarted or flushed Redis: Script loads it and calls again
        except (RedisConnectionError, RedisTimeoutError, OSError):
            # The reply may be lost with the connection: start the next call on a fresh one, and make
            # this one as redis-py would have (its retry policy; the script refuses a taken order id).
            conn.disconnect()
        return self.script(keys=keys, args=args, client=self.client)
