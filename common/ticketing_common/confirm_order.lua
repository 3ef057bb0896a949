#!lua flags=allow-oom
-- CONFIRM: paying -> confirmed, in one step: the order's held tickets become sold, the payment's
-- outcome is recorded, the card number removed, and the order's stream entry acknowledged.
-- Anything but a paying order of this generation is refused, writing nothing but the ack: the
-- caller then refunds an approved charge (the order was released meanwhile).
--
-- Every status change it makes is also an entry (orderId, status, at ms) in the events stream
-- (KEYS[8]), written in this same step: live updates never miss or invent one.
--
-- KEYS[1]  the order hash                 ticketing:{tag}:order:<orderId>
-- KEYS[2]  held stock per ticket          ticketing:{tag}:stock:held
-- KEYS[3]  sold tickets per ticket        ticketing:{tag}:stock:sold
-- KEYS[4]  the order stream               ticketing:{tag}:orders
-- KEYS[5]  the stock generation           ticketing:{tag}:generation (missing = 0)
-- KEYS[6]  orders ended per terminal status   ticketing:{tag}:totals:ended (hash status -> count)
-- KEYS[7]  charges per payment outcome        ticketing:{tag}:totals:payments (hash outcome -> count)
-- KEYS[8]  order status changes               ticketing:{tag}:events:orders (stream, for live updates)
-- ARGV[1]  consumer group name
-- ARGV[2]  stream entry id to acknowledge ('' = none)
-- ARGV[3]  decision time, ISO 8601 (stored as decidedAt)
-- ARGV[4]  seconds to keep the decided order (0 = keep)
-- ARGV[5]  payment status to record ('' = none: payments are off)
-- ARGV[6]  charge attempts made
-- ARGV[7]  the provider's charge id ('' = none)
-- ARGV[8]  most entries the events stream keeps (approximately)
--
-- Returns {'confirmed', ''} | {'wrong_state', status} | {'missing', ''} | {'stale', ''}.

-- The order's status change, for live updates: an entry in the events stream, in this same step.
local function event(order_id, status)
  local t = redis.call('TIME')
  redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[8], '*', 'orderId', order_id, 'status', status,
    'at', t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))
end

local function ack()
  if ARGV[2] ~= '' then
    redis.call('XACK', KEYS[4], ARGV[1], ARGV[2])
  end
end

local record = redis.call('HMGET', KEYS[1], 'status', 'generation', 'orderId')
local status = record[1]
if not status then
  ack()
  return {'missing', ''}
end
if (record[2] or '0') ~= (redis.call('GET', KEYS[5]) or '0') then
  ack()
  return {'stale', ''}
end
if status ~= 'paying' then
  ack()
  return {'wrong_state', status}
end

for _, item in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'items'))) do
  redis.call('HINCRBY', KEYS[2], item.ticketId, -tonumber(item.qty))
  redis.call('HINCRBY', KEYS[3], item.ticketId, tonumber(item.qty))
end
redis.call('HSET', KEYS[1], 'status', 'confirmed', 'decidedAt', ARGV[3])
redis.call('HINCRBY', KEYS[6], 'confirmed', 1)
event(record[3], 'confirmed')
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'paymentStatus', ARGV[5], 'paymentAttempts', ARGV[6], 'chargeId', ARGV[7])
  redis.call('HINCRBY', KEYS[7], ARGV[5], 1)
end
redis.call('HDEL', KEYS[1], 'cardNumber')
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
ack()
return {'confirmed', ''}
