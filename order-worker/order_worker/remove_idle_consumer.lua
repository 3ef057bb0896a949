-- Remove a consumer from the group only if it holds no pending entry, checked and
-- done in one step: XGROUP DELCONSUMER would silently drop a consumer's pending
-- entries, and those orders would then never be decided.
--
-- KEYS[1]  the order stream               ticketing:orders
-- ARGV[1]  consumer group name
-- ARGV[2]  consumer name
--
-- Returns 1 if the consumer was removed, 0 if it still holds entries.

if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then
  return 0
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
