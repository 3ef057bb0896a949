#!lua flags=allow-oom
-- THE EXPIRY SWEEP: up to ARGV[1] reserved orders whose hold deadline (Redis clock) has passed
-- become 'expired' (hold_expired), their held tickets back to available, in one step per batch.
-- Each order leaves the index in the same step that releases it, so any number of workers may
-- sweep at once and every hold is released exactly once. Paying orders are never in the index (the
-- worker that owns them finishes them); an entry whose order is not reserved (a leftover) or is of
-- another generation is only removed from the index.
--
-- The order hashes are named from the index (ARGV[4] .. id), not passed in KEYS: the sweep cannot
-- know them beforehand. ARGV[4] is the order prefix of the shard of KEYS (ticketing:{tag}:order:), so
-- every order hash it names shares the KEYS' hash tag and slot: that alone makes the undeclared keys
-- safe on a Redis Cluster (they live on the node that runs the script). Sweep each shard on its own.
--
-- Every status change it makes is also an entry (orderId, status, at ms) in the events stream
-- (KEYS[6]), written in this same step: live updates never miss or invent one.
--
-- KEYS[1]  the hold deadline index        ticketing:{tag}:holds
-- KEYS[2]  available stock per ticket     ticketing:{tag}:stock
-- KEYS[3]  held stock per ticket          ticketing:{tag}:stock:held
-- KEYS[4]  the stock generation           ticketing:{tag}:generation (missing = 0)
-- KEYS[5]  orders ended per terminal status   ticketing:{tag}:totals:ended (hash status -> count)
-- KEYS[6]  order status changes               ticketing:{tag}:events:orders (stream, for live updates)
-- ARGV[1]  most orders to expire in this batch
-- ARGV[2]  decision time, ISO 8601 (stored as decidedAt)
-- ARGV[3]  seconds to keep an expired order (0 = keep)
-- ARGV[4]  the order key prefix           ticketing:{tag}:order:
-- ARGV[5]  most entries the events stream keeps (approximately)
--
-- Returns the number of orders expired.

-- The order's status change, for live updates: an entry in the events stream, in this same step.
local function event(order_id, status)
  local t = redis.call('TIME')
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[5], '*', 'orderId', order_id, 'status', status,
    'at', t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))
end

local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local generation = redis.call('GET', KEYS[4]) or '0'
local expired = 0
for _, order_id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[1]))) do
  local key = ARGV[4] .. order_id
  local record = redis.call('HMGET', key, 'status', 'generation')
  if record[1] == 'reserved' and (record[2] or '0') == generation then
    for _, item in ipairs(cjson.decode(redis.call('HGET', key, 'items'))) do
      redis.call('HINCRBY', KEYS[3], item.ticketId, -tonumber(item.qty))
      redis.call('HINCRBY', KEYS[2], item.ticketId, tonumber(item.qty))
    end
    redis.call('HSET', key, 'status', 'expired', 'reason', 'hold_expired', 'decidedAt', ARGV[2])
    event(order_id, 'expired')
    redis.call('HDEL', key, 'cardNumber')
    if tonumber(ARGV[3]) > 0 then
      redis.call('EXPIRE', key, ARGV[3])
    end
    expired = expired + 1
  end
  redis.call('ZREM', KEYS[1], order_id)
end
if expired > 0 then
  redis.call('HINCRBY', KEYS[5], 'expired', expired)
end
return expired
