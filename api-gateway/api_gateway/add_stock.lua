-- An organiser adds stock to a ticket (POST /events/{id}/tickets/{ticketId}/stock): available and
-- initial grow together in one step, so the ledger (initial = available + held + sold) never drifts,
-- and an order deciding at the same moment sees the stock before or after, never half of it. Stock is
-- only ever added here, never lowered. Both keys are the ticket's event's shard's (one hash tag).
--
-- KEYS[1]  the shard's stock hash          ticketId -> available
-- KEYS[2]  the shard's stock:initial hash  ticketId -> initial
-- ARGV[1]  the ticket id
-- ARGV[2]  how many tickets to add (> 0; the gateway checks)
-- Returns {'added', available now} or {'no_stock', ''}: the ticket has no stock entry in this shard
--   (the gateway initialises it from the catalogue record and tries again)

if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return {'no_stock', ''}
end
redis.call('HINCRBY', KEYS[2], ARGV[1], ARGV[2])
return {'added', redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])}
