-- wrk wrapper for load.sh's latency runs: sends at a fixed rate, RATE requests per second (wrk2 is not installed),
-- running the case's own script (CASE_SCRIPT, if any) for the requests themselves, and prints the latency
-- percentiles of the run. Requests are given slots RATE apart on one schedule; a connection free before its slot
-- waits for it (wrk's delay(), in whole milliseconds), so the server sees the offered rate, not as many requests as
-- it can answer. A request's latency is timed from when it is written, so a server that falls behind its slots is
-- undercounted (coordinated omission): the "rate" printed shows whether the schedule was kept.
local case = os.getenv("CASE_SCRIPT")
if case and case ~= "" then dofile(case) end

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
  int clock_gettime(int clock, paced_timespec *now);
]]
local now = ffi.new("paced_timespec")
local function millis()
  ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
  return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
end

local interval = 1000 / assert(tonumber(os.getenv("RATE")), "RATE: requests per second")
local slot

delay = function()
  local t = millis()
  slot = (slot or t) + interval
  local wait = slot - t
  return wait >= 1 and math.floor(wait) or 0
end

local caseDone = done
done = function(summary, latency, requests)
  if caseDone then caseDone(summary, latency, requests) end
  io.write(string.format("paced rate %.0f p50 %d p99 %d p999 %d\n", summary.requests / summary.duration * 1e6,
      latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
