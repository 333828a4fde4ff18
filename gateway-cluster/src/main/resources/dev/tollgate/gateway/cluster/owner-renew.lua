-- Renews this process's hold on its node id (docs/CLUSTER.md "One process per node id"): KEYS[1] is the owner key,
-- ARGV[1] this process's value, ARGV[2] the lease (ms). Renewed if it still holds it, taken again if the key expired
-- (no other process took it meanwhile). Answers 1, or 0 if another process holds the id.
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] or not held then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
