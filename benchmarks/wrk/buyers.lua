-- wrk script for load.sh's "buyers" case: each request pays with the scrip of the next of many buyers, in a ring.
-- The buyers' PAYMENT-SIGNATURE values, one a line, are read from the file named by the environment variable
-- BUYERS (LoadServer writes 1,000 of them to buyers.txt). The first round verifies each scrip once (in the warm-up);
-- after that every click is a repeat click of one buyer among all of them.
local headers = {}
for line in io.lines(os.getenv("BUYERS")) do headers[#headers + 1] = line end
assert(#headers > 0, "no buyers in " .. os.getenv("BUYERS"))
local next = 0

request = function()
  next = next % #headers + 1
  wrk.headers["PAYMENT-SIGNATURE"] = headers[next]
  return wrk.format(nil)
end
