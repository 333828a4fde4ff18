-- wrk script for load.sh's "ids" case: every request pays with a new x402 payment identifier, as the buyer client
-- does (PROTOCOL.md section 11), so no two headers are alike. The payment's JSON, with the id's slot
-- "pay_XXXX...", is read from the file named by the environment variable PAYMENT_JSON.
local bit = require("bit")
local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local alphabet = {}
for i = 0, 63 do alphabet[i] = chars:sub(i + 1, i + 1) end

local function base64(s)
  local out, n = {}, #s
  for i = 1, n - 2, 3 do
    local a, b, c = s:byte(i, i + 2)
    local v = bit.bor(bit.lshift(a, 16), bit.lshift(b, 8), c)
    out[#out + 1] = alphabet[bit.rshift(v, 18)] .. alphabet[bit.band(bit.rshift(v, 12), 63)]
        .. alphabet[bit.band(bit.rshift(v, 6), 63)] .. alphabet[bit.band(v, 63)]
  end
  local rest = n % 3
  if rest == 1 then
    local v = bit.lshift(s:byte(n), 16)
    out[#out + 1] = alphabet[bit.rshift(v, 18)] .. alphabet[bit.band(bit.rshift(v, 12), 63)] .. "=="
  elseif rest == 2 then
    local a, b = s:byte(n - 1, n)
    local v = bit.bor(bit.lshift(a, 16), bit.lshift(b, 8))
    out[#out + 1] = alphabet[bit.rshift(v, 18)] .. alphabet[bit.band(bit.rshift(v, 12), 63)]
        .. alphabet[bit.band(bit.rshift(v, 6), 63)] .. "="
  end
  return table.concat(out)
end

local file = assert(io.open(os.getenv("PAYMENT_JSON"), "rb"))
local json = file:read("*a")
file:close()
local before, after = json:match("^(.-)pay_" .. string.rep("X", 32) .. "(.*)$")
assert(before, "no id slot in " .. os.getenv("PAYMENT_JSON"))

-- The id is "pay_" and 32 hex digits, of which 24 change per request. Base64 maps each 3 bytes to 4 characters, so
-- with the changing digits at a multiple of 3 bytes into the JSON only their 32 characters are encoded per request;
-- the fixed parts are encoded once (keeping the client's work per request small, off the server's two cores).
local head = before .. "pay_"
local lead = (3 - #head % 3) % 3
head = head .. string.rep("0", lead)
local tail = string.rep("0", 32 - lead - 24) .. after
local encodedHead, encodedTail = base64(head), base64(tail)
local seed = math.random(0, 0x7fffffff)
local counter = 0

request = function()
  counter = counter + 1
  wrk.headers["PAYMENT-SIGNATURE"] = encodedHead .. base64(string.format("%08x%016x", seed, counter)) .. encodedTail
  return wrk.format(nil)
end
