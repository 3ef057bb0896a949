-- REFUND A CHARGE, ONCE. Atomic with the totals: an approved charge becomes 'refunded' and moves
-- from the approved totals to the refunded ones; a second refund changes nothing.
--
--   no charge under the key   -> {'missing'}
--   the charge was declined   -> {'declined', <its fields>}, nothing written (nothing to give back)
--   the charge was refunded   -> {'already', <its fields>}
--   the charge was approved   -> refund it, {'refunded', <its fields>}
--
-- KEYS[1]  the charge hash             {payment-provider}:charge:<idempotencyKey>
-- KEYS[2]  the totals hash             {payment-provider}:totals
-- ARGV[1]  refundedAt, ISO 8601 UTC
--
-- Returns {verdict, field1, value1, ...} (the charge's fields as HGETALL gives them).

local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return {'missing'}
end
local verdict
if status == 'declined' then
  verdict = 'declined'
elseif status == 'refunded' then
  verdict = 'already'
elseif status == 'approved' then
  local cents = tonumber(redis.call('HGET', KEYS[1], 'amountCents'))
  redis.call('HSET', KEYS[1], 'status', 'refunded', 'refundedAt', ARGV[1])
  redis.call('HINCRBY', KEYS[2], 'approved', -1)
  redis.call('HINCRBY', KEYS[2], 'approvedCents', -cents)
  redis.call('HINCRBY', KEYS[2], 'refunded', 1)
  redis.call('HINCRBY', KEYS[2], 'refundedCents', cents)
  verdict = 'refunded'
else
  return redis.error_reply('charge in unknown status ' .. tostring(status))
end
local fields = redis.call('HGETALL', KEYS[1])
table.insert(fields, 1, verdict)
return fields
