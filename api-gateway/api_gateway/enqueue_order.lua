-- Store a new order and append it to the order stream, in one atomic step:
-- either both happen or neither, so no order is stored without being queued
-- for a decision, and no stream entry points at a missing order.
--
-- KEYS[1]  the order hash               (ticketing:order:<orderId>)
-- KEYS[2]  the order stream             (ticketing:orders)
-- ARGV[1]  the order id
-- ARGV[2]  the stream entry's field name for the order id ("orderId")
-- ARGV[3..] the order hash as field, value, field, value, ...
--
-- Returns the stream entry id, or an error reply if the order id is already taken.

if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('ORDER_EXISTS order id already taken')
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
return redis.call('XADD', KEYS[2], '*', ARGV[2], ARGV[1])
