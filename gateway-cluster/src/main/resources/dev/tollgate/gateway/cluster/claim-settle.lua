-- Compare-and-set of a claim (docs/CLUSTER.md "Stream entitlements", "Payment identifiers"): KEYS[1] is the claim; if
-- it still holds ARGV[1] (this node's pending value), it becomes ARGV[2] until ARGV[3] (Unix ms, PXAT). Answers 1 if
-- so, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
    return 1
end
return 0
