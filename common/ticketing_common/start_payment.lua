#!lua flags=allow-oom
-- START-PAYMENT: reserved -> paying, in one step. The order leaves the hold deadline index (a
-- paying order is never expired: the worker that owns it finishes it). Refused if the hold's
-- deadline has passed: the order is expired right here (as the sweep would), its stock released.
--
-- Two callers: the worker, for an order it reserved itself (ARGV[2] its entry, acknowledged if the
-- step is refused: the order is terminal or not its own), and the gateway's POST /orders/{id}/payment
-- for a payLater order (ARGV[3] = '1': a new stream entry for the worker is added in the same step,
-- and ARGV[10] = '1': only a payLater order may be paid this way).
--
-- Every status change it makes is also an entry (orderId, status, at ms) in the events stream
-- (KEYS[8]), written in this same step: live updates never miss or invent one.
--
-- KEYS[1]  the order hash                 ticketing:{tag}:order:<orderId>
-- KEYS[2]  the hold deadline index        ticketing:{tag}:holds
-- KEYS[3]  available stock per ticket     ticketing:{tag}:stock
-- KEYS[4]  held stock per ticket          ticketing:{tag}:stock:held
-- KEYS[5]  the order stream               ticketing:{tag}:orders
-- KEYS[6]  the stock generation           ticketing:{tag}:generation (missing = 0)
-- KEYS[7]  orders ended per terminal status   ticketing:{tag}:totals:ended (hash status -> count)
-- KEYS[8]  order status changes               ticketing:{tag}:events:orders (stream, for live updates)
-- ARGV[1]  consumer group name
-- ARGV[2]  stream entry id to acknowledge if refused ('' = none)
-- ARGV[3]  '1' = add a stream entry for the order (the gateway), '' = not
-- ARGV[4]  the stream entry's field for the order id ('orderId')
-- ARGV[5]  the order id
-- ARGV[6]  now, ISO 8601 (decidedAt if the hold expired)
-- ARGV[7]  seconds to keep an expired order (0 = keep)
-- ARGV[8]  payment method to store ('' = keep)
-- ARGV[9]  card number to store ('' = keep)
-- ARGV[10] '1' = only a payLater order
-- ARGV[11] most entries the events stream keeps (approximately)
--
-- Returns {'paying', new entry id or ''} | {'expired', ''} | {'wrong_state', status (or 'reserved'
-- for an order that is not payLater)} | {'missing', ''} | {'stale', ''}. Nothing is written on a refusal
-- except the expiry of an overdue hold.

-- The order's status change, for live updates: an entry in the events stream, in this same step.
local function event(order_id, status)
  local t = redis.call('TIME')
  redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[11], '*', 'orderId', order_id, 'status', status,
    'at', t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))
end

local function ack()
  if ARGV[2] ~= '' then
    redis.call('XACK', KEYS[5], ARGV[1], ARGV[2])
  end
end

local record = redis.call('HMGET', KEYS[1], 'status', 'generation', 'payLater', 'holdExpiresAtMs')
local status = record[1]
if not status then
  ack()
  return {'missing', ''}
end
if (record[2] or '0') ~= (redis.call('GET', KEYS[6]) or '0') then
  ack()
  return {'stale', ''}
end
if status ~= 'reserved' or (ARGV[10] == '1' and record[3] ~= '1') then
  ack()
  return {'wrong_state', status}
end

local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if tonumber(record[4]) <= now_ms then
  for _, item in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'items'))) do
    redis.call('HINCRBY', KEYS[4], item.ticketId, -tonumber(item.qty))
    redis.call('HINCRBY', KEYS[3], item.ticketId, tonumber(item.qty))
  end
  redis.call('ZREM', KEYS[2], ARGV[5])
  redis.call('HSET', KEYS[1], 'status', 'expired', 'reason', 'hold_expired', 'decidedAt', ARGV[6])
  redis.call('HINCRBY', KEYS[7], 'expired', 1)
  event(ARGV[5], 'expired')
  redis.call('HDEL', KEYS[1], 'cardNumber')
  if tonumber(ARGV[7]) > 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[7])
  end
  ack()
  return {'expired', ''}
end

redis.call('HSET', KEYS[1], 'status', 'paying')
event(ARGV[5], 'paying')
redis.call('ZREM', KEYS[2], ARGV[5])
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'paymentMethod', ARGV[8])
end
if ARGV[9] ~= '' then
  redis.call('HSET', KEYS[1], 'cardNumber', ARGV[9])
end
local entry_id = ''
if ARGV[3] == '1' then
  entry_id = redis.call('XADD', KEYS[5], '*', ARGV[4], ARGV[5])
end
return {'paying', entry_id}
