#!lua flags=allow-oom
-- (allow-oom: at Redis's maxmemory a decision must still be written, or the order would sit
-- pending and run out its deliveries; a decision barely grows memory.)
--
-- THE STOCK DECISION, the lifecycle's first step (RESERVE). Decides one order atomically
-- against the stock: nothing can run between the check and the move, and an order is never
-- reserved twice.
--
--   pending, every item available -> move each ticket's quantity from available to held,
--                                    status 'reserved', the hold's deadline (Redis clock + ARGV[5])
--                                    in the order and in the deadline index. A payLater order's
--                                    entry is acknowledged now (it waits for POST /payment); any
--                                    other's stays pending until the order is terminal.
--   pending, otherwise            -> status 'rejected' with a reason, stock untouched; acknowledged
--   reserved (not payLater) or paying -> 'resume': a reclaimed entry of an order in progress; not
--                                    acknowledged, the worker carries on from the status
--   any other status              -> already decided (a redelivery): only acknowledge
--   order missing                 -> (expired or deleted) only acknowledge
--   order of another stock generation (accepted before a reset) -> only acknowledge, 'stale'
--
-- Every status change it makes is also an entry (orderId, status, at ms) in the events stream
-- (KEYS[8]), written in this same step: live updates never miss or invent one.
--
-- Every KEYS entry is a key of ONE shard, the order's (its id names it: keys.shard_of_order), all with
-- the shard's hash tag {tag}: on a Redis Cluster the step runs on the one node holding that slot.
--
-- KEYS[1]  the order hash                 ticketing:{tag}:order:<orderId>
-- KEYS[2]  available stock per ticket     ticketing:{tag}:stock
-- KEYS[3]  held stock per ticket          ticketing:{tag}:stock:held
-- KEYS[4]  the hold deadline index        ticketing:{tag}:holds (zset orderId -> deadline ms)
-- KEYS[5]  the order stream               ticketing:{tag}:orders
-- KEYS[6]  the stock generation           ticketing:{tag}:generation (missing = 0)
-- KEYS[7]  orders ended per terminal status   ticketing:{tag}:totals:ended (hash status -> count)
-- KEYS[8]  order status changes            ticketing:{tag}:events:orders (stream, for live updates)
-- ARGV[1]  consumer group name
-- ARGV[2]  stream entry id to acknowledge
-- ARGV[3]  decision time, ISO 8601 (stored as decidedAt of a rejection)
-- ARGV[4]  seconds to keep a rejected order (0 = keep)
-- ARGV[5]  the hold window, ms
-- ARGV[6]  most entries the events stream keeps (approximately)
--
-- Returns {outcome, detail}: 'reserved' (detail '1' for a payLater order, else '0'),
-- 'rejected' (detail = reason), 'resume' (detail = the status to resume from),
-- 'duplicate' (detail = the status it already had), 'missing' or 'stale'.
-- Raises an error, writing nothing, if the order's items cannot be read: the entry
-- then stays pending and is dead-lettered after too many deliveries.

-- The order's status change, for live updates: an entry in the events stream, in this same step.
local function event(order_id, status)
  local t = redis.call('TIME')
  redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[6], '*', 'orderId', order_id, 'status', status,
    'at', t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))
end

local function ack()
  redis.call('XACK', KEYS[5], ARGV[1], ARGV[2])
end

local record = redis.call('HMGET', KEYS[1], 'status', 'generation', 'payLater', 'orderId')
local status = record[1]
if not status then
  ack()
  return {'missing', ''}
end
if (record[2] or '0') ~= (redis.call('GET', KEYS[6]) or '0') then
  ack()
  return {'stale', ''}
end
local pay_later = record[3] == '1'
if status == 'paying' or (status == 'reserved' and not pay_later) then
  return {'resume', status}
end
if status ~= 'pending' then
  ack()
  return {'duplicate', status}
end

-- Quantities per ticket, summed in case a ticket appears on two lines.
local wanted, order = {}, {}
for _, item in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'items'))) do
  local qty = tonumber(item.qty)
  if type(item.ticketId) ~= 'string' or not qty or qty < 1 or qty % 1 ~= 0 then
    error('order ' .. KEYS[1] .. ' has an invalid item')
  end
  if not wanted[item.ticketId] then
    wanted[item.ticketId] = 0
    table.insert(order, item.ticketId)
  end
  wanted[item.ticketId] = wanted[item.ticketId] + qty
end

local reason = nil
for _, ticket in ipairs(order) do
  local available = redis.call('HGET', KEYS[2], ticket)
  if not available then
    reason = 'unknown_ticket'
    break
  end
  if tonumber(available) < wanted[ticket] then
    reason = 'insufficient_stock'
    break
  end
end

if reason then
  redis.call('HSET', KEYS[1], 'status', 'rejected', 'reason', reason, 'decidedAt', ARGV[3])
  redis.call('HDEL', KEYS[1], 'cardNumber')
  redis.call('HINCRBY', KEYS[7], 'rejected', 1)
  event(record[4], 'rejected')
  if tonumber(ARGV[4]) > 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[4])
  end
  ack()
  return {'rejected', reason}
end

for _, ticket in ipairs(order) do
  redis.call('HINCRBY', KEYS[2], ticket, -wanted[ticket])
  redis.call('HINCRBY', KEYS[3], ticket, wanted[ticket])
end
local now = redis.call('TIME')
local deadline = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'status', 'reserved', 'holdExpiresAtMs', deadline)
redis.call('ZADD', KEYS[4], deadline, record[4])
event(record[4], 'reserved')
if pay_later then
  ack()
  return {'reserved', '1'}
end
return {'reserved', '0'}
