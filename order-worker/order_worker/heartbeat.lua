#!lua flags=allow-oom
-- (allow-oom: at maxmemory a live worker must still say so, or the others would take it for dead.)
--
-- Record that a worker is alive, with its cumulative count of decisions. The heartbeat is Redis's
-- clock, not the worker's, so every worker compares heartbeats against one clock. Heartbeats older
-- than the stale time are dropped on the way, with their counts (workers that died outside the
-- group, after a reset say), so both stay as small as the pool; a missing heartbeat counts as a
-- stale one. The count sits beside the heartbeat so the dashboard can read each running worker's
-- throughput from successive reads. Both keys are global (not of a shard) and share the {consumers}
-- hash tag, so on a Redis Cluster this one step runs on one node.
--
-- KEYS[1]  the heartbeat sorted set       ticketing:{consumers}:heartbeat
-- KEYS[2]  the decided-count hash         ticketing:{consumers}:decided
-- ARGV[1]  this worker's consumer name
-- ARGV[2]  stale time, ms: heartbeats older than this are dropped
-- ARGV[3]  orders this worker has decided since it started
--
-- Returns the heartbeat written, in ms since the epoch (Redis's TIME).

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local cutoff = '(' .. (now - tonumber(ARGV[2]))
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if #gone > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  redis.call('HDEL', KEYS[2], unpack(gone))
end
return now
