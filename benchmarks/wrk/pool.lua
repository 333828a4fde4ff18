-- wrk script for load.sh's "firstseen", "payword" and "payword-compact" cases: each request pays with the next line
-- of a pool of payment header values that is never read twice, across runs too. The header is PAYMENT-SIGNATURE, or
-- the one the environment variable POOL_HEADER names (TOLLGATE-PAYWORD for payword-compact, PROTOCOL.md section 8,
-- "Compact words"). The pool is the file named by the environment variable POOL; the byte offset of its first unread
-- line is kept in the file named by POOL_STATE (read at start, written by done()). A request is sent for every line
-- read, so a line whose request was cut off at the end of a run is not sent again either. When the pool runs out,
-- requests go without payment: the 402s show as non-2xx answers (load.sh reports them) instead of a payment being
-- reused.
local pool = assert(io.open(os.getenv("POOL"), "rb"))
local state = io.open(os.getenv("POOL_STATE"), "rb")
offset = 0 -- global: done() reads it from the thread with thread:get
if state then
  offset = tonumber(state:read("*a")) or 0
  state:close()
end
pool:seek("set", offset)
local header = os.getenv("POOL_HEADER") or "PAYMENT-SIGNATURE"

request = function()
  local line = pool:read("*l")
  if line then
    offset = offset + #line + 1
    wrk.headers[header] = line
  else
    wrk.headers[header] = nil
  end
  return wrk.format(nil)
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end

done = function()
  assert(#threads == 1, "the pool is read in order by one thread (wrk -t1)")
  local out = assert(io.open(os.getenv("POOL_STATE"), "wb"))
  out:write(tostring(threads[1]:get("offset")))
  out:close()
end
