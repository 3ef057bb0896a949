-- RECORD A CHARGE, ONCE PER IDEMPOTENCY KEY. Atomic: of any number of concurrent calls with the
-- same key, exactly one records; every other one gets that record back. Nothing is written for
-- an `error` outcome (a simulated processing failure: the caller may retry).
--
--   a charge is recorded already, same amount and currency -> {'existing', <its fields>}
--   a charge is recorded already, another amount/currency  -> {'conflict', <its fields>}, nothing written
--   none yet, outcome 'error'                              -> {'error'}, nothing written
--   none yet, Redis's clock past the deadline (ARGV[10])   -> {'late'}, nothing written: a charge is
--                                                             recorded within its deadline or never, so
--                                                             a caller that gave up can trust a later GET
--   none yet, outcome 'approved' or 'declined'             -> record it, {'recorded', <its fields>}
--
-- KEYS[1]  the charge hash             {payment-provider}:charge:<idempotencyKey>
-- KEYS[2]  the ledger (sorted set)     {payment-provider}:ledger
-- KEYS[3]  the sequence counter        {payment-provider}:sequence
-- KEYS[4]  the totals hash             {payment-provider}:totals
-- ARGV[1]  outcome: 'approved' | 'declined' | 'error'
-- ARGV[2]  chargeId (new, used only if this call records)
-- ARGV[3]  idempotency key
-- ARGV[4]  amount, canonical decimal string ("12.50")
-- ARGV[5]  amount in cents (integer string)
-- ARGV[6]  currency
-- ARGV[7]  createdAt, ISO 8601 UTC
-- ARGV[8]  last four digits of the card ('' = no card)
-- ARGV[9]  how it was decided: 'approve' | 'decline' | 'timeout' (a recorded approval answered late)
-- ARGV[10] the deadline to record by, in ms on Redis's clock (TIME)
--
-- Returns {verdict, field1, value1, field2, value2, ...} (the fields as HGETALL gives them).

local existing = redis.call('HGETALL', KEYS[1])
if #existing > 0 then
  local amount_cents, currency
  for i = 1, #existing, 2 do
    if existing[i] == 'amountCents' then amount_cents = existing[i + 1] end
    if existing[i] == 'currency' then currency = existing[i + 1] end
  end
  local verdict = 'existing'
  if amount_cents ~= ARGV[5] or currency ~= ARGV[6] then verdict = 'conflict' end
  table.insert(existing, 1, verdict)
  return existing
end

local outcome = ARGV[1]
if outcome == 'error' then
  return {'error'}
end
if outcome ~= 'approved' and outcome ~= 'declined' then
  return redis.error_reply('bad outcome ' .. tostring(outcome))
end
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[10]) then
  return {'late'}
end

redis.call('HSET', KEYS[1],
  'chargeId', ARGV[2], 'idempotencyKey', ARGV[3], 'status', outcome,
  'amount', ARGV[4], 'amountCents', ARGV[5], 'currency', ARGV[6],
  'createdAt', ARGV[7], 'cardLast4', ARGV[8], 'outcome', ARGV[9])
local sequence = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], sequence, ARGV[3])
redis.call('HINCRBY', KEYS[4], outcome, 1)
if outcome == 'approved' then
  redis.call('HINCRBY', KEYS[4], 'approvedCents', tonumber(ARGV[5]))
end
local recorded = redis.call('HGETALL', KEYS[1])
table.insert(recorded, 1, 'recorded')
return recorded
