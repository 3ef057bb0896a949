-- wrk script of the gateway benchmark (bench/intake.py). Closed loop: each connection sends
-- its next request when the previous answer has arrived, so latencies are those seen at this
-- concurrency (wrk is not free of coordinated omission; the open-loop figures are bench/e2e.py's).
--
-- wrk ... -s bench/wrk.lua URL -- MODE MAX_PER_THREAD EXPECTED_STATUS ARG SEED
--   MODE  post-orders   POST /orders, bodies varied: 60 % one ticket type, 40 % two or three,
--                       1 to 3 tickets a line, each with its own Idempotency-Key;
--                       ARG = comma-separated ticket ids
--         get-tickets   GET /tickets
--         get-order     GET /orders/{id}, ids drawn at random from the file ARG (one a line)
--   MAX_PER_THREAD  the thread stops after this many answers (the run is bounded in count and time)
--   EXPECTED_STATUS answers with another status are counted as bad
--   SEED  of the random choices (and of the Idempotency-Keys: give each run its own)
-- Prints one line "WRK_JSON {...}" with the counts and latency percentiles in microseconds.

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")

-- Microseconds on CLOCK_MONOTONIC: wrk's own duration is always the full -d, even when a
-- thread stops early at its request bound, so the rate is taken from these instead.
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local mode, max_requests, expected = "get-tickets", 0, 200
local tickets, ids = {}, {}
local run_tag = ""
answered, bad = 0, 0
local seq = 0
first_us, last_us = 0, 0

function init(args)
  mode = args[1] or mode
  max_requests = tonumber(args[2]) or 0
  expected = tonumber(args[3]) or 200
  local arg = args[4] or ""
  math.randomseed((tonumber(args[5]) or os.time()) + (id or 0) * 7919)
  run_tag = string.format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  if mode == "post-orders" then
    for t in string.gmatch(arg, "[^,]+") do table.insert(tickets, t) end
  elseif mode == "get-order" then
    for line in io.lines(arg) do
      if #line > 0 then table.insert(ids, line) end
    end
  end
end

local function order_body()
  seq = seq + 1
  local n = 1
  if math.random() >= 0.6 then n = math.random(2, 3) end
  -- n distinct ticket types: a partial Fisher-Yates shuffle
  local pool = {}
  for i = 1, #tickets do pool[i] = tickets[i] end
  local items = {}
  for i = 1, math.min(n, #pool) do
    local j = math.random(i, #pool)
    pool[i], pool[j] = pool[j], pool[i]
    items[i] = string.format('{"ticketId":"%s","qty":%d}', pool[i], math.random(1, 3))
  end
  return string.format(
    '{"customer":{"name":"Bench Customer %d","email":"bench+%d-%d@example.com"},"items":[%s],"paymentMethod":"credit_card"}',
    seq, id or 0, seq, table.concat(items, ","))
end

local post_headers = { ["Content-Type"] = "application/json" }

function request()
  if first_us == 0 then first_us = now_us() end
  if mode == "post-orders" then
    local body = order_body()
    -- A fresh Idempotency-Key per order, as the web app and the workload generator send one.
    post_headers["Idempotency-Key"] = string.format("bench-%s-%d-%d-%08x", run_tag, id or 0, seq, math.random(0, 0x7fffffff))
    return wrk.format("POST", "/orders", post_headers, body)
  elseif mode == "get-order" then
    return wrk.format("GET", "/orders/" .. ids[math.random(#ids)])
  end
  return wrk.format("GET", "/tickets")
end

function response(status, headers, body)
  answered = answered + 1
  last_us = now_us()
  if status ~= expected then bad = bad + 1 end
  if max_requests > 0 and answered >= max_requests then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local bad_total, answered_total, first, last = 0, 0, nil, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + (thread:get("bad") or 0)
    answered_total = answered_total + (thread:get("answered") or 0)
    local f, l = thread:get("first_us") or 0, thread:get("last_us") or 0
    if f > 0 and (first == nil or f < first) then first = f end
    if l > last then last = l end
  end
  local duration = summary.duration
  if first ~= nil and last > first then duration = last - first end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%d,' ..
    '"bad_status":%d,"socket_errors":%d}\n',
    answered_total, duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, bad_total, e.connect + e.read + e.write + e.timeout))
end
