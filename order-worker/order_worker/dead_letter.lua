#!lua flags=allow-oom
-- (allow-oom: giving up must work at maxmemory too; the dead-letter stream is capped.)
--
-- Give up on a stream entry that was delivered too many times without a decision:
-- copy it to the dead-letter stream, mark its order 'failed' (if it is not terminal yet:
-- pending, reserved or paying), release any stock it holds, and acknowledge it, all in one step.
--
-- The caller chose the entry from an XPENDING read made earlier; since then another worker
-- may have claimed it (idle time reset) and be deciding it. So the script checks again, here,
-- that the entry is still pending, idle for at least ARGV[9] ms and delivered at least ARGV[4]
-- times; otherwise it writes nothing.
--
-- Every status change it makes is also an entry (orderId, status, at ms) in the events stream
-- (KEYS[10]), written in this same step: live updates never miss or invent one.
--
-- Every KEYS entry is a key of ONE shard, the one whose stream holds the entry, all with the shard's
-- hash tag {tag}: on a Redis Cluster the step runs on the one node holding that slot. An entry whose
-- order id names another shard is given up on as one without an order (ARGV[3] '': KEYS[1] is then
-- the shard's bare order prefix, which exists for no order).
--
-- KEYS[1]  the order hash                 ticketing:{tag}:order:<orderId> (may not exist)
-- KEYS[2]  the order stream               ticketing:{tag}:orders
-- KEYS[3]  the dead-letter stream         ticketing:{tag}:orders:dead-letter
-- KEYS[4]  available stock per ticket     ticketing:{tag}:stock
-- KEYS[5]  held stock per ticket          ticketing:{tag}:stock:held
-- KEYS[6]  the hold deadline index        ticketing:{tag}:holds
-- KEYS[7]  the stock generation           ticketing:{tag}:generation (missing = 0)
-- KEYS[8]  orders ended per terminal status   ticketing:{tag}:totals:ended (hash status -> count)
-- KEYS[9]  refunds due                    ticketing:{tag}:refunds:due (zset orderId -> ms due)
-- KEYS[10] order status changes           ticketing:{tag}:events:orders (stream, for live updates)
-- ARGV[1]  consumer group name
-- ARGV[2]  stream entry id
-- ARGV[3]  the order id ('' if the entry had none)
-- ARGV[4]  fewest deliveries for giving up (the entry's real count is what gets recorded)
-- ARGV[5]  decision time, ISO 8601 (stored as decidedAt)
-- ARGV[6]  seconds to keep the failed order (0 = keep)
-- ARGV[7]  most entries the dead-letter stream keeps (approximately)
-- ARGV[8]  the stream field that holds the order id ('orderId')
-- ARGV[9]  least idle time, ms, for giving up (0 = any)
-- ARGV[10] most entries the events stream keeps (approximately)
--
-- Returns 2 if the order was marked failed while paying (noted in KEYS[9] in this same step, so its
-- charge, if one went through, is refunded by a recovery round even if this worker dies now), 1 if it was marked failed otherwise, 0 if it was already decided or missing, -1 if the
-- entry is no longer pending, or was delivered or claimed again since the caller looked
-- (another worker dead-lettered, decided or took it first): nothing written.

-- The order's status change, for live updates: an entry in the events stream, in this same step.
local function event(order_id, status)
  local t = redis.call('TIME')
  redis.call('XADD', KEYS[10], 'MAXLEN', '~', ARGV[10], '*', 'orderId', order_id, 'status', status,
    'at', t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))
end

-- XPENDING's IDLE form: {{id, consumer, idle ms, deliveries}}, or {} unless idle >= ARGV[9].
local pending = redis.call('XPENDING', KEYS[2], ARGV[1], 'IDLE', ARGV[9], ARGV[2], ARGV[2], 1)
if #pending == 0 or tonumber(pending[1][4]) < tonumber(ARGV[4]) then
  return -1
end
local deliveries = pending[1][4]
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*',
  ARGV[8], ARGV[3], 'entryId', ARGV[2], 'deliveries', deliveries, 'reason', 'max_deliveries_exceeded')
local failed = 0
local record = redis.call('HMGET', KEYS[1], 'status', 'generation')
local status = record[1]
local current = (record[2] or '0') == (redis.call('GET', KEYS[7]) or '0')
if current and (status == 'pending' or status == 'reserved' or status == 'paying') then
  if status ~= 'pending' then
    for _, item in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'items'))) do
      redis.call('HINCRBY', KEYS[5], item.ticketId, -tonumber(item.qty))
      redis.call('HINCRBY', KEYS[4], item.ticketId, tonumber(item.qty))
    end
    redis.call('ZREM', KEYS[6], ARGV[3])
  end
  redis.call('HSET', KEYS[1], 'status', 'failed', 'reason', 'max_deliveries_exceeded', 'decidedAt', ARGV[5])
  redis.call('HINCRBY', KEYS[8], 'failed', 1)
  event(ARGV[3], 'failed')
  redis.call('HDEL', KEYS[1], 'cardNumber')
  if tonumber(ARGV[6]) > 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[6])
  end
  failed = 1
  if status == 'paying' then
    failed = 2
    local now = redis.call('TIME')
    local now_ms = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))  -- a string: no float
    redis.call('ZADD', KEYS[9], 'NX', now_ms, ARGV[3])
  end
end
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
return failed
