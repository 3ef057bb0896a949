-- Remove a consumer from one shard's group only if it holds no pending entry there, checked and
-- done in one step: XGROUP DELCONSUMER would silently drop a consumer's pending entries, and those
-- orders would then never be decided.
--
-- Only the shard's stream: the heartbeat that says the worker is dead is a global {consumers} key,
-- in another cluster slot, so the caller checks it first (forget_consumer.lua) and then runs this
-- on each shard. Between the two a worker restarted under the same name may join again; removing
-- it then costs nothing (it holds nothing here, and its next read that returns entries adds it back).
--
-- KEYS[1]  the shard's order stream       ticketing:{tag}:orders
-- ARGV[1]  consumer group name
-- ARGV[2]  consumer name
--
-- Returns 1 if the consumer was removed (or was not in the group), 0 if it still holds entries:
-- nothing removed.

if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then
  return 0
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
