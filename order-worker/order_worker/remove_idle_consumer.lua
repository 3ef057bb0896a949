-- Remove a consumer from the group only if it is dead and holds no pending entry, checked
-- and done in one step. Dead means its heartbeat is missing or older than the stale time:
-- quiet is not dead (Redis 7.0's consumer idle time grows while a live worker waits for orders).
-- It holds nothing: XGROUP DELCONSUMER would silently drop a consumer's pending entries, and
-- those orders would then never be decided.
--
-- KEYS[1]  the order stream               ticketing:orders
-- KEYS[2]  the heartbeat sorted set       ticketing:consumers:heartbeat
-- KEYS[3]  the decided-count hash         ticketing:consumers:decided (its count goes with its heartbeat)
-- ARGV[1]  consumer group name
-- ARGV[2]  consumer name
-- ARGV[3]  stale time, ms: a heartbeat older than this is a dead worker's
--
-- Returns 1 if the consumer was removed (its heartbeat and count too), 0 if it still holds entries,
-- -1 if its heartbeat is fresh (a live worker): nothing removed.

if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then
  return 0
end
local beat = redis.call('ZSCORE', KEYS[2], ARGV[2])
if beat then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if now - tonumber(beat) < tonumber(ARGV[3]) then
    return -1
  end
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return 1
