-- Whether the charge with receipt ARGV[1], made under the payment identifier KEYS[1], may be refunded (docs/CLUSTER.md
-- "Payment identifiers"): not once a replay served its content. Forgets the identifier if so, so the next request under
-- it is charged anew. Answers 1 (refund it) or 0 (keep it).
local value = redis.call('GET', KEYS[1])
if not value then
    return 1 -- expired, or never settled: no replay was answered with it
end
local replays, receipt = string.match(value, '^c %S+ %d+ (%d+) (%S+)$')
if receipt == ARGV[1] and replays == '0' then
    redis.call('DEL', KEYS[1])
    return 1
end
return 0 -- replayed, or replaced after its replays by a charge of its own
