#!lua flags=allow-oom
-- (allow-oom: it only deletes.)
--
-- Forget a worker that is dead: drop its heartbeat and its decided count, in one step, but only
-- if the heartbeat is missing or older than the stale time (Redis's clock, as heartbeat.lua writes
-- it): quiet is not dead (a consumer's idle time grows while a live worker waits for orders). The
-- first half of removing a dead consumer; the second (remove_idle_consumer.lua) is per shard stream,
-- in other slots. A worker leaving gracefully forgets itself with a stale time of 0.
--
-- KEYS[1]  the heartbeat sorted set       ticketing:{consumers}:heartbeat
-- KEYS[2]  the decided-count hash         ticketing:{consumers}:decided
-- ARGV[1]  consumer name
-- ARGV[2]  stale time, ms: a heartbeat at least this old is a dead worker's (0: forget it anyway)
--
-- Returns 1 if the worker is dead (its heartbeat and count are gone now), -1 if its heartbeat is
-- fresh (a live worker): nothing removed.

local beat = redis.call('ZSCORE', KEYS[1], ARGV[1])
if beat then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if now - tonumber(beat) < tonumber(ARGV[2]) then
    return -1
  end
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
