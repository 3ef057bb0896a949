-- Record one read of a HorizontalPodAutoscaler and, if its desired replicas changed since the
-- previous read, append a scaling event: the timeline of GET /system/scaling in a cluster. Kept in
-- Redis, checked and written in one step, so that every gateway replica sees one timeline and a
-- change seen by two replicas makes one event. A read that started before the one stored is older
-- news (two replicas racing): it changes nothing.
--
-- KEYS[1]  the observations hash          ticketing:{scaling}:observed  (target -> JSON {readAt, desired, current})
-- KEYS[2]  the events stream              ticketing:{scaling}:events (one hash tag: both keys in one slot)
-- ARGV[1]  the scaled target's name       e.g. order-worker
-- ARGV[2]  when this read started, ms since the epoch
-- ARGV[3]  desired replicas (status.desiredReplicas)
-- ARGV[4]  current replicas (status.currentReplicas)
-- ARGV[5]  the event's time, seconds since the epoch (text)
-- ARGV[6]  the event's reason, e.g. "lag 412 > 50 per worker"
-- ARGV[7]  the events stream's cap (approximate MAXLEN)
--
-- Returns 1 if an event was appended, 0 if not (first read of the target, no change, or an older read).

local read_at = tonumber(ARGV[2])
local desired = tonumber(ARGV[3])
local stored = redis.call('HGET', KEYS[1], ARGV[1])
local previous = nil
if stored then
  previous = cjson.decode(stored)
  if tonumber(previous.readAt) > read_at then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1],
  cjson.encode({readAt = read_at, desired = desired, current = tonumber(ARGV[4])}))
if previous == nil or tonumber(previous.desired) == desired then
  return 0
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*',
  'time', ARGV[5], 'target', ARGV[1], 'from', tostring(previous.desired), 'to', ARGV[3], 'reason', ARGV[6])
return 1
