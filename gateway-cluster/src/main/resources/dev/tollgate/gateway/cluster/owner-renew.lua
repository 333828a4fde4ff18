-- Renews this process's hold on its node id (docs/CLUSTER.md "One process per node id"): KEYS[1] is the owner key,
-- ARGV[1] this process's value, ARGV[2] the lease (ms). Renewed only if it still holds it. A hold that is gone (its
-- lease ended while the node was cut off, an operator retired the node, or a copy took and gave up the id) is never
-- taken again here: meanwhile the node's slices may have been handed back, so only a restart, through
-- owner-claim.lua and the recovery that follows it, may take it again. Answers 1 if renewed, 2 if the hold is gone,
-- 0 if another process holds the id.
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
if not held then
    return 2
end
return 0
