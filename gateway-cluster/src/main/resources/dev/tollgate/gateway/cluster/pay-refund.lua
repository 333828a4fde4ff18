-- Whether the charge with receipt ARGV[1], made under the payment identifier KEYS[1], may be refunded (docs/CLUSTER.md
-- "Payment identifiers"): not once a replay served its content (ARGV[1] is in the set KEYS[2]: pay-claim.lua). If the
-- identifier still holds that charge, it is held for the refund: set to ARGV[2], this node's pending value, for ARGV[3]
-- ms, so a request under it waits; the node deletes it once refunded, or sets the charge back. Answers
--   {'refused'}            keep the charge: a replay was answered with it
--   {'free'}               refund it; the identifier holds nothing, or another request's claim or charge (this one's
--                          expired, or it was never set: no replay was answered with it)
--   {'held', value, ttl}   refund it; the identifier held 'value' for 'ttl' more ms, and is held for the refund now
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
    return {'refused'}
end
local value = redis.call('GET', KEYS[1])
if not value then
    return {'free'}
end
local replays, receipt = string.match(value, '^c %S+ %d+ (%d+) (%S+)$')
if receipt ~= ARGV[1] then
    return {'free'}
end
if replays ~= '0' then
    return {'refused'}
end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return {'held', value, tostring(ttl)}
