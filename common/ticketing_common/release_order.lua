#!lua flags=allow-oom
-- RELEASE: an order in one of the source statuses (ARGV[7], from status.TRANSITIONS) moves to the
-- target status (ARGV[3]) with a reason, in one step; if its status holds stock (ARGV[8]) the held
-- tickets go back to available and the order leaves the hold deadline index. The card number is
-- removed and the payment's outcome recorded. Used for paying -> payment_failed (the worker) and
-- reserved -> cancelled (the customer). With ARGV[12] = '1' a reserved order whose hold deadline
-- has passed becomes 'expired' (hold_expired) instead: the customer is too late.
--
-- Every status change it makes is also an entry (orderId, status, at ms) in the events stream
-- (KEYS[9]), written in this same step: live updates never miss or invent one.
--
-- KEYS[1]  the order hash                 ticketing:{tag}:order:<orderId>
-- KEYS[2]  available stock per ticket     ticketing:{tag}:stock
-- KEYS[3]  held stock per ticket          ticketing:{tag}:stock:held
-- KEYS[4]  the hold deadline index        ticketing:{tag}:holds
-- KEYS[5]  the order stream               ticketing:{tag}:orders
-- KEYS[6]  the stock generation           ticketing:{tag}:generation (missing = 0)
-- KEYS[7]  orders ended per terminal status   ticketing:{tag}:totals:ended (hash status -> count)
-- KEYS[8]  charges per payment outcome        ticketing:{tag}:totals:payments (hash outcome -> count)
-- KEYS[9]  order status changes               ticketing:{tag}:events:orders (stream, for live updates)
-- ARGV[1]  consumer group name
-- ARGV[2]  stream entry id to acknowledge ('' = none)
-- ARGV[3]  the target status
-- ARGV[4]  the reason to record
-- ARGV[5]  decision time, ISO 8601 (stored as decidedAt)
-- ARGV[6]  seconds to keep the decided order (0 = keep)
-- ARGV[7]  the source statuses, space-separated
-- ARGV[8]  the statuses that hold stock, space-separated
-- ARGV[9]  payment status to record ('' = none)
-- ARGV[10] charge attempts made
-- ARGV[11] the provider's charge id ('' = none)
-- ARGV[12] '1' = an overdue reserved order expires instead
-- ARGV[13] most entries the events stream keeps (approximately)
--
-- Returns {'released', target status} | {'expired', ''} | {'wrong_state', status} | {'missing', ''} |
-- {'stale', ''}. A refusal writes nothing but the ack.

-- The order's status change, for live updates: an entry in the events stream, in this same step.
local function event(order_id, status)
  local t = redis.call('TIME')
  redis.call('XADD', KEYS[9], 'MAXLEN', '~', ARGV[13], '*', 'orderId', order_id, 'status', status,
    'at', t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))
end

local function ack()
  if ARGV[2] ~= '' then
    redis.call('XACK', KEYS[5], ARGV[1], ARGV[2])
  end
end

local function member(word, list)
  for candidate in string.gmatch(list, '%S+') do
    if candidate == word then
      return true
    end
  end
  return false
end

local record = redis.call('HMGET', KEYS[1], 'status', 'generation', 'holdExpiresAtMs', 'orderId')
local status = record[1]
if not status then
  ack()
  return {'missing', ''}
end
if (record[2] or '0') ~= (redis.call('GET', KEYS[6]) or '0') then
  ack()
  return {'stale', ''}
end
if not member(status, ARGV[7]) then
  ack()
  return {'wrong_state', status}
end

local target, reason, outcome = ARGV[3], ARGV[4], 'released'
if ARGV[12] == '1' and status == 'reserved' then
  local now = redis.call('TIME')
  if tonumber(record[3]) <= tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) then
    target, reason, outcome = 'expired', 'hold_expired', 'expired'
  end
end

if member(status, ARGV[8]) then
  for _, item in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'items'))) do
    redis.call('HINCRBY', KEYS[3], item.ticketId, -tonumber(item.qty))
    redis.call('HINCRBY', KEYS[2], item.ticketId, tonumber(item.qty))
  end
  redis.call('ZREM', KEYS[4], record[4])
end
redis.call('HSET', KEYS[1], 'status', target, 'reason', reason, 'decidedAt', ARGV[5])
redis.call('HINCRBY', KEYS[7], target, 1)
event(record[4], target)
if ARGV[9] ~= '' then
  redis.call('HSET', KEYS[1], 'paymentStatus', ARGV[9], 'paymentAttempts', ARGV[10], 'chargeId', ARGV[11])
  redis.call('HINCRBY', KEYS[8], ARGV[9], 1)
end
redis.call('HDEL', KEYS[1], 'cardNumber')
if tonumber(ARGV[6]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[6])
end
ack()
if outcome == 'expired' then
  return {'expired', ''}
end
return {'released', target}
