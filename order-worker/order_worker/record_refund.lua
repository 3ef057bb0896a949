#!lua flags=allow-oom
-- RECORD A REFUND on the order, once: an approved charge whose order could not be confirmed (it was
-- released or failed meanwhile) was refunded at the provider; the order's payment status becomes
-- ARGV[1] and the payment totals count it, in one step, so a refund recorded twice (a retry, two
-- workers) counts once. An order that is gone or of another generation (a reset) is left alone.
--
-- Every KEYS entry is a key of ONE shard, the order's (its id names it: keys.shard_of_order), all with
-- the shard's hash tag {tag}: on a Redis Cluster the step runs on the one node holding that slot.
--
-- KEYS[1]  the order hash                 ticketing:{tag}:order:<orderId>
-- KEYS[2]  charges per payment outcome    ticketing:{tag}:totals:payments (hash outcome -> count)
-- KEYS[3]  the stock generation           ticketing:{tag}:generation (missing = 0)
-- ARGV[1]  the payment status to record   'refunded' (status.PaymentStatus)
--
-- Returns 1 if recorded now, 0 if it was recorded before or the order is missing or stale.

local record = redis.call('HMGET', KEYS[1], 'status', 'generation', 'paymentStatus')
if not record[1] or (record[2] or '0') ~= (redis.call('GET', KEYS[3]) or '0') or record[3] == ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'paymentStatus', ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return 1
