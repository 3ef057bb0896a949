#!lua flags=allow-oom
-- (allow-oom: at maxmemory a live worker must still say so, or the others would take it for dead.)
--
-- Record that a worker is alive. The heartbeat is Redis's clock, not the worker's, so every
-- worker compares heartbeats against one clock. Heartbeats older than the stale time are
-- dropped on the way (workers that died outside the group, after a reset say), so the set stays
-- as small as the pool; a missing heartbeat counts as a stale one.
--
-- KEYS[1]  the heartbeat sorted set       ticketing:consumers:heartbeat
-- ARGV[1]  this worker's consumer name
-- ARGV[2]  stale time, ms: heartbeats older than this are dropped
--
-- Returns the heartbeat written, in ms since the epoch (Redis's TIME).

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[2])))
return now
