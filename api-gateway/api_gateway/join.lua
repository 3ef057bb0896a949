-- A visitor joins a sale's waiting room, in one step: a new place at the end of the line, or the
-- place they already have (joining again, even many times at once, never gives a second place).
--
-- An admitted visitor whose admission is spent (its token expired, or all its orders placed) joins
-- again as a newcomer, under a new id (the old id's uses stay counted): "join the queue again" means it.
--
-- The place is an arrival sequence number from the room's counter (HINCRBY seq), the score in the
-- waiting zset: ZPOPMIN and ZRANK then follow arrival order exactly, whatever the clocks say.
--
-- KEYS[1]  the room hash         ticketing:{tag}:room:<sale>
-- KEYS[2]  the waiting zset      ticketing:{tag}:room:<sale>:waiting
-- KEYS[3]  the admitted zset     ticketing:{tag}:room:<sale>:admitted
-- KEYS[4]  the visitors hash     ticketing:{tag}:room:<sale>:visitors
-- KEYS[5]  the uses hash         ticketing:{tag}:room:<sale>:uses
-- ARGV[1]  the visitor id the caller gave ('' = none)
-- ARGV[2]  a fresh visitor id, used when ARGV[1] is '' or unknown here
--
-- Returns {'joined', visitorId} (a new place) | {'waiting', visitorId} | {'admitted', visitorId}
--         (already in line or let in: the same place) | {room state, ''} when the room takes no
--         joins ('off', 'closed' or a missing room: 'off'); nothing is written then.

local state = redis.call('HGET', KEYS[1], 'state') or 'off'
if state ~= 'open' and state ~= 'paused' and state ~= 'closed' then return {'off', ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- A visitor already here keeps their place, even in a closed room (they may still be admitted later).
if ARGV[1] ~= '' then
  local admitted_at = tonumber(redis.call('ZSCORE', KEYS[3], ARGV[1]))
  if admitted_at then
    local room = redis.call('HMGET', KEYS[1], 'tokenTtlSeconds', 'tokenUses')
    local ttl_ms = (tonumber(room[1]) or 0) * 1000
    local used = tonumber(redis.call('HGET', KEYS[5], ARGV[1]) or '0')
    if now < admitted_at + ttl_ms and used < (tonumber(room[2]) or 0) then return {'admitted', ARGV[1]} end
    if state == 'closed' then return {'closed', ''} end
    -- Spent: the old admission ends here; the visitor joins below under a new id.
    redis.call('ZREM', KEYS[3], ARGV[1])
    redis.call('HDEL', KEYS[4], ARGV[1])
  elseif redis.call('ZSCORE', KEYS[2], ARGV[1]) then
    return {'waiting', ARGV[1]}
  end
end
if state == 'closed' then return {'closed', ''} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('ZADD', KEYS[2], seq, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], now)
return {'joined', ARGV[2]}
