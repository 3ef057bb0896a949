#!lua flags=allow-oom
-- (allow-oom: at Redis's maxmemory a decision must still be written, or the order would sit
-- pending and run out its deliveries; a decision barely grows memory.)
--
-- THE STOCK DECISION. Decides one order atomically against the stock, then
-- acknowledges its stream entry, all in one step: nothing can run between the
-- check and the decrement, and an order is never decided twice.
--
--   every item available -> decrement each ticket's stock, status 'confirmed'
--   otherwise            -> status 'rejected' with a reason, stock untouched
--   order not 'pending'  -> already decided (a redelivery): only acknowledge
--   order missing        -> (expired or deleted) only acknowledge
--   order of another stock generation (accepted before a reset) -> only acknowledge, 'stale':
--                           the stock it was accepted against is gone
--
-- KEYS[1]  the order hash                 ticketing:order:<orderId>
-- KEYS[2]  available stock per ticket     ticketing:stock
-- KEYS[3]  sold tickets per ticket        ticketing:stock:sold
-- KEYS[4]  the order stream               ticketing:orders
-- KEYS[5]  the stock generation           ticketing:generation (missing = 0)
-- ARGV[1]  consumer group name
-- ARGV[2]  stream entry id to acknowledge
-- ARGV[3]  decision time, ISO 8601 (stored as decidedAt)
-- ARGV[4]  seconds to keep the decided order (0 = keep)
--
-- Returns {outcome, detail}: outcome is 'confirmed', 'rejected' (detail = reason),
-- 'duplicate' (detail = the status it already had), 'missing' or 'stale'.
-- Raises an error, writing nothing, if the order's items cannot be read: the entry
-- then stays pending and is dead-lettered after too many deliveries.

local function ack()
  redis.call('XACK', KEYS[4], ARGV[1], ARGV[2])
end

local record = redis.call('HMGET', KEYS[1], 'status', 'generation')
local status = record[1]
if not status then
  ack()
  return {'missing', ''}
end
if (record[2] or '0') ~= (redis.call('GET', KEYS[5]) or '0') then
  ack()
  return {'stale', ''}
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

local outcome
if reason then
  outcome = 'rejected'
  redis.call('HSET', KEYS[1], 'status', outcome, 'reason', reason, 'decidedAt', ARGV[3])
else
  outcome, reason = 'confirmed', ''
  for _, ticket in ipairs(order) do
    redis.call('HINCRBY', KEYS[2], ticket, -wanted[ticket])
    redis.call('HINCRBY', KEYS[3], ticket, wanted[ticket])
  end
  redis.call('HSET', KEYS[1], 'status', outcome, 'decidedAt', ARGV[3])
end
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
ack()
return {outcome, reason}
