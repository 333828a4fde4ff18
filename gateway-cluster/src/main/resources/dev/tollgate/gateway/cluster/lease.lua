-- Reports what the node consumed, raises what it holds towards a target as far as the free budget allows, and
-- renews its lease. ARGV: node, sequence number, budget, when the hash may expire (ms), consumed (-1: keep what
-- is recorded), what the node believes it holds, target, TTL (ms).
local node, seq = ARGV[1], tonumber(ARGV[2])
local used, believed, target, ttl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local now = now_ms()

if redis.call('EXISTS', key) == 0 then
    put('budget', tonumber(ARGV[3]))
    put('held', 0)
    put('used', 0)
    redis.call('PEXPIREAT', key, ARGV[4])
end
local refused = refusal(node, seq)
if refused then
    return refused
end

local budget, used_total, u = num('budget'), num('used'), num('u:' .. node)
if used < 0 then
    used = u
end
local held, h, lost = reasserted(node, believed, used)
used_total = used_total - u + used
u = used

local grant = 0
if target > h then
    grant = math.max(0, math.min(target - h, budget - held))
    if grant < target - h then
        put('wanted', now)
    end
end
h = h + grant
held = held + grant
local until_ms = now + ttl
put('h:' .. node, h)
put('u:' .. node, u)
put('t:' .. node, until_ms)
put('q:' .. node, seq)
put('held', held)
put('used', used_total)
local contended = 0
if now - num('wanted') < ttl then
    contended = 1
end
return reply(OK, node, grant, lost, until_ms, contended)
