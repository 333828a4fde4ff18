-- wrk script for load.sh's "ref" case: repeat clicks paid with the seller's repeat reference (PROTOCOL.md section 12)
-- instead of the x402 header, as the buyer client pays them. Until a receipt offers a reference (and again after a
-- 402, such as unknown_reference once the reference expired with its scrip's reuse time), a request pays with the
-- whole header, read from the file named by the environment variable PAYMENT_HEADER. The reference is read from the
-- receipt's extra.reference. (Defining response() costs wrk some CPU per answer on the server's shared cores: the
-- figures of this case are, if anything, low.)
local bit = require("bit")
local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local value = {}
for i = 1, 64 do value[chars:byte(i)] = i - 1 end

local function unbase64(s)
  local out, acc, bits = {}, 0, 0
  for i = 1, #s do
    local v = value[s:byte(i)]
    if v == nil then break end -- '=' padding ends it
    acc = bit.bor(bit.lshift(bit.band(acc, 0xFFFF), 6), v)
    bits = bits + 6
    if bits >= 8 then
      bits = bits - 8
      out[#out + 1] = string.char(bit.band(bit.rshift(acc, bits), 0xFF))
    end
  end
  return table.concat(out)
end

local file = assert(io.open(os.getenv("PAYMENT_HEADER"), "rb"))
local header = file:read("*a")
file:close()
local reference = nil

request = function()
  if reference then
    wrk.headers["PAYMENT-SIGNATURE"] = nil
    wrk.headers["TOLLGATE-REFERENCE"] = reference .. "; amount=1"
  else
    wrk.headers["TOLLGATE-REFERENCE"] = nil
    wrk.headers["PAYMENT-SIGNATURE"] = header
  end
  return wrk.format(nil)
end

response = function(status, headers, body)
  if status ~= 200 then
    reference = nil
  elseif reference == nil then
    local receipt = headers["PAYMENT-RESPONSE"] or headers["payment-response"]
    if receipt then
      reference = unbase64(receipt):match('"reference":"([A-Za-z0-9._-]+)"')
    end
  end
end
