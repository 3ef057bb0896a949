-- The catalogue's one write (the gateway's catalogue.py): create an event's record, or replace it,
-- claiming the ticket ids it adds, all or nothing. Duplicates are refused here, in the one atomic step,
-- so two organisers creating the same event or ticket id at once cannot both win. The record is
-- written as the gateway computed it: the script never parses JSON. Only the three {catalogue} keys
-- (one hash tag, one slot): never a key of the order path.
--
-- KEYS[1]   ticketing:{catalogue}:events   hash eventId -> the event's record (JSON)
-- KEYS[2]   ticketing:{catalogue}:tickets  hash ticketId -> eventId (ticket ids are unique across events)
-- KEYS[3]   ticketing:{catalogue}:version  integer, bumped when ARGV[4] is 1 (gateways reload on a change)
-- ARGV[1]   the event id
-- ARGV[2]   the record the write was computed from; empty for a create (the event must not exist)
-- ARGV[3]   the new record
-- ARGV[4]   1: bump the version (gateways show something new); 0: not (a record not visible yet)
-- ARGV[5..] the ticket ids the write claims for the event (each must be free)
-- Returns {'written', version} or a refusal with nothing written: {'event_exists', ''},
--   {'unknown_event', ''}, {'changed', ''} (read the record again and retry), {'ticket_exists', ticketId}

local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if current then
    return {'event_exists', ''}
  end
elseif not current then
  return {'unknown_event', ''}
elseif current ~= ARGV[2] then
  return {'changed', ''}
end

for i = 5, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
    return {'ticket_exists', ARGV[i]}
  end
end

redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
for i = 5, #ARGV do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[1])
end
local version
if ARGV[4] == '1' then
  version = redis.call('INCR', KEYS[3])
else
  version = tonumber(redis.call('GET', KEYS[3]) or '0')
end
return {'written', version}
