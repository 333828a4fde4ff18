-- After a payment whose answer was lost (a timeout), tells whether it was applied, and makes sure it never is later
-- (docs/CLUSTER.md "PayWord heads"). KEYS[1] is the chain's hash, KEYS[2] the paid mark of that operation.
-- ARGV: [1] the node, [2] a number above every operation the node sent on the chain so far, [3] when the hash
-- expires (Unix ms). Raises f:<node> to ARGV[2], so chain-pay.lua refuses the node's earlier operations from now on.
-- Answers 1 if the operation was paid, else 0.
local field = 'f:' .. ARGV[1]
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], field) or '0') then
    redis.call('HSET', KEYS[1], field, ARGV[2])
    redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
return redis.call('EXISTS', KEYS[2])
