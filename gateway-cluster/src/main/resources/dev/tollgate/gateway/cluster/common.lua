-- Prepended to lease.lua, release.lua and retire.lua (docs/CLUSTER.md "State in Redis"). KEYS[1] is the scrip's
-- hash. Every amount is an integer below 2^53, so Lua's numbers hold it exactly; string.format('%d') writes it
-- back without an exponent.
local key = KEYS[1]

local function num(field)
    local value = redis.call('HGET', key, field)
    if value then
        return tonumber(value)
    end
    return 0
end

local function put(field, n)
    redis.call('HSET', key, field, string.format('%d', n))
end

local function now_ms()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The answer of every script, read by ScriptReply: status, then the node's row and the scrip's totals.
local OK, STALE, FENCED, GONE, LIVE = 0, 1, 2, 3, 4
local function reply(status, node, moved, lost, until_ms, contended)
    local budget, held, used = num('budget'), num('held'), num('used')
    local h, u = num('h:' .. node), num('u:' .. node)
    return {status, h, u, budget, budget - held, (held - used) - (h - u), until_ms, moved, lost, contended,
            num('q:' .. node)}
end

-- Why the node's operation must not be applied: it was retired here, or Redis applied a later operation of it.
local function refusal(node, seq)
    if redis.call('HEXISTS', key, 'f:' .. node) == 1 then
        return reply(FENCED, node, 0, 0, 0, 0)
    end
    if seq <= num('q:' .. node) then
        return reply(STALE, node, 0, 0, 0, 0)
    end
    return nil
end

-- The scrip's total held and the node's row, after putting back what the node was told it holds if the hash shows
-- less (Redis lost acknowledged writes): held, h, what was put back. Errors if the node reports more consumed than
-- it holds.
local function reasserted(node, believed, used)
    local held, h, lost = num('held'), num('h:' .. node), 0
    if believed > h then
        lost = believed - h
        held = held + lost
        h = believed
    end
    if used > h then
        error('node ' .. node .. ' reports ' .. string.format('%d', used) .. ' consumed but holds '
                .. string.format('%d', h))
    end
    return held, h, lost
end
