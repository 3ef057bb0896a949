-- Accept a new order in one atomic step: store it with status 'pending' and
-- append its id to the order stream. Either both happen or neither, so no order
-- is stored without being queued, and no stream entry points at a missing order.
--
-- The order is stamped with the current stock generation (missing = 0) in the same step, so
-- a reset that happens around it either deletes it (older generation) or keeps it: a worker
-- never decides an order of another generation against the reset stock.
--
-- Before that, in the same step:
--   * idempotency: if this Idempotency-Key was seen within its window, answer the
--     first response again (same body) or a conflict (another body); nothing is written;
--   * backpressure: if the consumer group's backlog (entries not yet delivered plus
--     delivered but unacknowledged) has reached the bound, refuse; nothing is written.
--     Read exactly (XINFO GROUPS) only when the stream's length reaches the bound.
--
--   * admission (the waiting room on): the visitor's admission has uses left, or refuse; nothing is
--     written. The use is counted with the order, so concurrent requests never exceed the limit, and a
--     replay or a refusal (conflict, backlog) uses none. An order without an admission is refused
--     while the room is on: the gateway's view of the room is cached for a second, this step's is not.
--
-- KEYS[1]  the order hash                 ticketing:{tag}:order:<orderId>
-- KEYS[2]  the order stream               ticketing:{tag}:orders
-- KEYS[3]  the stock generation           ticketing:{tag}:generation
-- KEYS[4]  the room's uses hash           ticketing:{tag}:room:<sale>:uses (touched only when ARGV[8] is set)
-- KEYS[5]  the room                       ticketing:{tag}:room:<sale> (its state is read when ARGV[8] is '')
-- KEYS[6]  (optional) the idempotency record   ticketing:{tag}:idempotency:<sha256 of the key>
-- ARGV[1]  the order id
-- ARGV[2]  the stream entry's field for the order id ('orderId')
-- ARGV[3]  the consumer group name
-- ARGV[4]  the backlog bound (0 = none)
-- ARGV[5]  the request's fingerprint (sha256 of its canonical JSON)
-- ARGV[6]  seconds to remember the idempotency key
-- ARGV[7]  the response to remember for the key (JSON)
-- ARGV[8]  the admitted visitor whose token this order uses ('' = the gateway saw the room off)
-- ARGV[9]  the token's use limit (orders)
-- ARGV[10..] the order hash as field, value, field, value, ...
--
-- Returns {'created', entry id} | {'replayed', first response JSON} | {'conflict', ''} |
--         {'backlog_full', backlog} | {'used_up', uses} | {'admission_required', room state};
--         an error reply if the order id is taken.

local idempotency = KEYS[6]
if idempotency then
  local seen = redis.call('HMGET', idempotency, 'fingerprint', 'response')
  if seen[1] then
    if seen[1] == ARGV[5] then
      return {'replayed', seen[2]}
    end
    return {'conflict', ''}
  end
end

local visitor = ARGV[8]
if visitor == '' then
  local state = redis.call('HGET', KEYS[5], 'state')
  if state and state ~= 'off' then
    return {'admission_required', state}
  end
else
  local used = tonumber(redis.call('HGET', KEYS[4], visitor) or '0')
  if used >= tonumber(ARGV[9]) then
    return {'used_up', tostring(used)}
  end
end

local bound = tonumber(ARGV[4])
-- The stream's length bounds the backlog from above: every entry not yet delivered or not yet
-- acknowledged is still in it (trimming drops only acknowledged entries). So only a stream at least
-- as long as the bound needs the exact figure from XINFO GROUPS, whose reply costs far more to
-- build and walk than XLEN (O(1); 0 for a missing stream).
local length = 0
if bound > 0 then length = redis.call('XLEN', KEYS[2]) end
if bound > 0 and length >= bound then
  local backlog = length  -- before any worker made the group, all of it
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[2])) do
    local info = {}
    for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
    if info['name'] == ARGV[3] then
      local lag = info['lag']
      if not lag then lag = backlog - info['pending'] end  -- lag unknown: bounded by length - pending
      backlog = lag + info['pending']
    end
  end
  if backlog >= bound then
    return {'backlog_full', tostring(backlog)}
  end
end

if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('ORDER_EXISTS order id already taken')
end
redis.call('HSET', KEYS[1], unpack(ARGV, 10))
redis.call('HSET', KEYS[1], 'generation', redis.call('GET', KEYS[3]) or '0')
local entry_id = redis.call('XADD', KEYS[2], '*', ARGV[2], ARGV[1])
if visitor ~= '' then redis.call('HINCRBY', KEYS[4], visitor, 1) end
if idempotency then
  redis.call('HSET', idempotency, 'fingerprint', ARGV[5], 'response', ARGV[7])
  redis.call('EXPIRE', idempotency, ARGV[6])
end
return {'created', entry_id}
