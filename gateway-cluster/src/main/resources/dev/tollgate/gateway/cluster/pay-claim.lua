-- Claims an x402 payment identifier for a charge (docs/CLUSTER.md "Payment identifiers"): KEYS[1] is the identifier's
-- key under its scrip, KEYS[2] the set of receipts of charges made under it that a replay served (never refunded:
-- pay-refund.lua); ARGV[1] this node's pending value ('p <resource> <node> <n>'), ARGV[2] how long a pending claim
-- lives (ms), ARGV[3] the hash of the resource the request is for, ARGV[4] how often one charge is answered as a replay.
-- A charge made under the identifier is 'c <resource> <amount> <replays> <receipt>'. Answers
--   {'claimed'}                      the identifier is this node's to charge under (nothing there, or its charge was
--                                    replayed ARGV[4] times: the request is a payment of its own)
--   {'pending'}                      another request under it is being charged, or its charge refunded
--   {'reused'}                       its charge was for another resource
--   {'replayed', receipt, amount}    the same payment again: answered with its charge, counted as a replay
local value = redis.call('GET', KEYS[1])
if not value then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return {'claimed'}
end
if string.sub(value, 1, 2) == 'p ' then
    return {'pending'}
end
local resource, amount, replays, receipt = string.match(value, '^c (%S+) (%d+) (%d+) (%S+)$')
if not resource then
    return redis.error_reply('a payment identifier holds a value this gateway did not write')
end
if resource ~= ARGV[3] then
    return {'reused'}
end
if tonumber(replays) >= tonumber(ARGV[4]) then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return {'claimed'}
end
redis.call('SET', KEYS[1], 'c ' .. resource .. ' ' .. amount .. ' ' .. (tonumber(replays) + 1) .. ' ' .. receipt,
    'KEEPTTL')
-- The served receipts live as long as the longest-lived charge they name: whatever becomes of KEYS[1] meanwhile (a
-- charge after the last replay, refused and dropped or refunded), this one is never refunded.
redis.call('SADD', KEYS[2], receipt)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > redis.call('PTTL', KEYS[2]) then
    redis.call('PEXPIRE', KEYS[2], ttl)
end
return {'replayed', receipt, amount}
