-- Retires a node that will not come back from this scrip, once its lease has expired: what it held beyond what it
-- reported returns to the free budget, and the node is fenced (it can neither lease nor report here again), so
-- what it charged after its last report is never claimed. ARGV: node.
local node = ARGV[1]

if redis.call('EXISTS', key) == 0 then
    return {GONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
end
local until_ms = num('t:' .. node)
if until_ms > now_ms() then
    return reply(LIVE, node, 0, 0, until_ms, 0)
end
local h, u = num('h:' .. node), num('u:' .. node)
local returned = h - u
put('h:' .. node, u)
put('held', num('held') - returned)
redis.call('HDEL', key, 't:' .. node)
redis.call('HSET', key, 'f:' .. node, '1')
return reply(OK, node, returned, 0, 0, 0)
