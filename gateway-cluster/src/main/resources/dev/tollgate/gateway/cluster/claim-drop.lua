-- Compare-and-delete of a claim (docs/CLUSTER.md "Stream entitlements", "Payment identifiers"): KEYS[1] is the claim;
-- deleted only if it still holds ARGV[1], the value this node wrote. Answers 1 if deleted, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
