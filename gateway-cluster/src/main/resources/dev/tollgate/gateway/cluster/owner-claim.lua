-- Takes a node id for this process (docs/CLUSTER.md "One process per node id"): KEYS[1] is the id's owner key,
-- ARGV[1] this process's value ('<token> <host>:<ledger file>', the token 32 hex digits), ARGV[2] the lease (ms).
-- Taken if free, or if held from the same host and ledger file: its holder is this node's dead predecessor (the file's
-- lock is this process's now). Answers '' if taken, else the holder's value.
local held = redis.call('GET', KEYS[1])
if (not held) or string.sub(held, 34) == string.sub(ARGV[1], 34) then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return ''
end
return held
