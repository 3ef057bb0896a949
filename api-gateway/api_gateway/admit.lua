-- Let the next visitors of a sale's waiting room in, in one step: a token bucket on the room hash,
-- filled at the admission rate by the Redis clock (TIME), and ZPOPMIN from `waiting` into `admitted`
-- for every whole token. Any number of callers may run it at any time (each gateway process ticks
-- it; they need not agree on anything): two runs at the same instant admit nobody twice, because the
-- bucket's time and content are read and written in the same step.
--
-- Nothing is admitted unless the room is 'open' and its opening time (opensAt, ms) has passed; then
-- only the bucket's clock moves on, so that opening or resuming does not let a burst in.
--
-- The rate: the room's `rate` in mode 'fixed'. In mode 'adaptive' it is computed here, once per
-- sample interval, from the order stream's consumer group (XINFO GROUPS): acked = entries-read -
-- pending, backlog = lag + pending; the decision rate is a moving average of acked per second; the
-- target backlog is what the workers decide in ARGV[4] seconds (at least ARGV[7] orders); with
-- headroom h = clamp(1 - backlog / target, -1, 1):
--     h >= 0:  rate = max(decisionRate * (1 + h), last rate * (1 + ARGV[11] * h))   (room to grow)
--     h <  0:  rate = decisionRate * (1 + h)                                       (drain the backlog)
-- clamped to [ARGV[5], ARGV[6]], and stored as the room's `rate`. More workers decide faster, so
-- more visitors are let in; a backlog beyond the target lets fewer in until it drains.
--
-- KEYS[1]  the room hash        ticketing:{tag}:room:<sale>
-- KEYS[2]  the waiting zset     ticketing:{tag}:room:<sale>:waiting
-- KEYS[3]  the admitted zset    ticketing:{tag}:room:<sale>:admitted
-- KEYS[4]  the visitors hash    ticketing:{tag}:room:<sale>:visitors
-- KEYS[5]  the waits list       ticketing:{tag}:room:<sale>:waits
-- KEYS[6]  the order stream     ticketing:{tag}:orders
-- ARGV[1]  the order workers' consumer group
-- ARGV[2]  the bucket's size in seconds of the rate (the largest burst)
-- ARGV[3]  the most visitors one run admits (bounds the step's time)
-- ARGV[4]  adaptive: the target backlog, in seconds of decisions
-- ARGV[5]  adaptive: the lowest rate (visitors/s)
-- ARGV[6]  adaptive: the highest rate (visitors/s)
-- ARGV[7]  adaptive: the smallest target backlog (orders)
-- ARGV[8]  how many wait times the waits list keeps
-- ARGV[9]  adaptive: the sample interval (ms)
-- ARGV[10] adaptive: the weight of the newest sample in the decision rate's moving average (0..1]
-- ARGV[11] adaptive: the growth per sample at full headroom (0.5 = +50 %)
--
-- Returns {visitors admitted now, the rate (a string: visitors/s), the room state}.

local room = redis.call('HMGET', KEYS[1], 'state', 'mode', 'rate', 'opensAt', 'lastTick', 'allowance',
  'decisionRate', 'sampleAt', 'sampleAcked')
local state, mode = room[1] or 'off', room[2] or 'fixed'
local rate = tonumber(room[3]) or 0
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local opens_at = tonumber(room[4] or '')
if state ~= 'open' or (opens_at and now < opens_at) then
  if state ~= 'off' then redis.call('HSET', KEYS[1], 'lastTick', now, 'allowance', 0) end
  return {0, tostring(rate), state}
end

if mode == 'adaptive' then
  local acked, backlog = 0, 0
  if redis.call('EXISTS', KEYS[6]) == 1 then
    backlog = redis.call('XLEN', KEYS[6])  -- before any worker made the group: all of it
    for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[6])) do
      local info = {}
      for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
      if info['name'] == ARGV[1] then
        local read = tonumber(info['entries-read']) or 0
        local lag = tonumber(info['lag']) or math.max(backlog - info['pending'], 0)
        acked = math.max(read - info['pending'], 0)
        backlog = lag + info['pending']
      end
    end
  end
  local decision_rate = tonumber(room[7]) or 0
  local sample_at, sample_acked = tonumber(room[8]), tonumber(room[9])
  if not sample_at or not sample_acked then
    redis.call('HSET', KEYS[1], 'sampleAt', now, 'sampleAcked', acked, 'decisionRate', decision_rate)
  elseif now - sample_at >= tonumber(ARGV[9]) then
    -- A reset or a new stream counts from zero again: no negative rate.
    local decided = math.max(acked - sample_acked, 0)
    local weight = tonumber(ARGV[10])
    decision_rate = weight * decided * 1000 / (now - sample_at) + (1 - weight) * decision_rate
    local target = math.max(decision_rate * tonumber(ARGV[4]), tonumber(ARGV[7]))
    local headroom = math.min(math.max(1 - backlog / target, -1), 1)
    local new_rate = decision_rate * (1 + headroom)
    if headroom >= 0 then new_rate = math.max(new_rate, rate * (1 + tonumber(ARGV[11]) * headroom)) end
    rate = math.min(math.max(new_rate, tonumber(ARGV[5])), tonumber(ARGV[6]))
    redis.call('HSET', KEYS[1], 'sampleAt', now, 'sampleAcked', acked, 'decisionRate', tostring(decision_rate),
      'rate', tostring(rate))
  end
end

local last = tonumber(room[5]) or now
local allowance = tonumber(room[6]) or 0
local size = math.max(rate * tonumber(ARGV[2]), 1)
if now > last then allowance = math.min(allowance + rate * (now - last) / 1000, size) end
local admitted = 0
local due = math.min(math.floor(allowance), tonumber(ARGV[3]))
if due > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], due)
  for i = 1, #popped, 2 do
    local visitor = popped[i]
    redis.call('ZADD', KEYS[3], now, visitor)
    local joined = tonumber(redis.call('HGET', KEYS[4], visitor))
    if joined then redis.call('LPUSH', KEYS[5], now - joined) end
    admitted = admitted + 1
  end
  if admitted > 0 then
    redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[8]) - 1)
    redis.call('HINCRBY', KEYS[1], 'admittedTotal', admitted)
  end
  -- Tokens for nobody are not saved up beyond the bucket: an empty line keeps a full bucket, no more.
  allowance = allowance - admitted
end
redis.call('HSET', KEYS[1], 'lastTick', math.max(now, last), 'allowance', tostring(allowance))
return {admitted, tostring(rate), state}
