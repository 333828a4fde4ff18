-- Ends the node's lease: records its final consumption and hands back what it held beyond it. The node stopped
-- charging the slice before it sent this. ARGV: node, sequence number, consumed, what the node believes it holds.
local node, seq = ARGV[1], tonumber(ARGV[2])
local used, believed = tonumber(ARGV[3]), tonumber(ARGV[4])

if redis.call('EXISTS', key) == 0 then
    return {GONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
end
local refused = refusal(node, seq)
if refused then
    return refused
end

local used_total, u = num('used'), num('u:' .. node)
local held, h, lost = reasserted(node, believed, used)
local returned = h - used
put('h:' .. node, used)
put('u:' .. node, used)
put('q:' .. node, seq)
put('held', held - returned)
put('used', used_total - u + used)
redis.call('HDEL', key, 't:' .. node)
return reply(OK, node, returned, lost, 0, 0)
