-- Pays a PayWord word cluster-wide (docs/CLUSTER.md "PayWord heads"). KEYS[1] is the chain's hash: index and word
-- (hex) of its head, spent (micro-units, net of refunds), commitment (its JWS, for nodes that have not seen it).
-- f:<node> fences the node's operations numbered below it (chain-fence.lua). KEYS[2] marks this operation as paid.
-- ARGV: [1] the head's index the node verified the word against, [2] the word's index, [3] the word (hex),
-- [4] the amount, [5] the chain's unit, [6] when the hash expires (Unix ms), [7] the commitment ('' to leave it),
-- [8] the node, [9] the operation's number, [10] how long KEYS[2] lives (ms).
-- A compare-and-set: only if the head's index is still ARGV[1], the head moves to max(index, head) and the amount is
-- spent, if that credit covers it. Answers {status, index, word, spent} with the head as it stands after:
-- 'ok' (paid), 'moved' (the head is not the one expected), 'short' (the credit does not cover the amount),
-- 'stale' (the operation is fenced: nothing changed).
local h = redis.call('HMGET', KEYS[1], 'index', 'word', 'spent', 'f:' .. ARGV[8])
local l = tonumber(h[1] or '0')
local word = h[2] or ''
local spent = tonumber(h[3] or '0')
if tonumber(ARGV[9]) < tonumber(h[4] or '0') then
    return {'stale', l, word, string.format('%d', spent)}
end
if l ~= tonumber(ARGV[1]) then
    return {'moved', l, word, string.format('%d', spent)}
end
local i = tonumber(ARGV[2])
local amount = tonumber(ARGV[4])
if amount > math.max(i, l) * tonumber(ARGV[5]) - spent then
    return {'short', l, word, string.format('%d', spent)}
end
if i > l then
    l = i
    word = ARGV[3]
end
spent = spent + amount
redis.call('HSET', KEYS[1], 'index', l, 'word', word, 'spent', string.format('%d', spent))
if ARGV[7] ~= '' and redis.call('HEXISTS', KEYS[1], 'commitment') == 0 then
    redis.call('HSET', KEYS[1], 'commitment', ARGV[7])
end
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[10])
return {'ok', l, word, string.format('%d', spent)}
