-- Gives a refunded chain charge back to the chain's credit (docs/CLUSTER.md "PayWord heads"): KEYS[1] is the chain's
-- hash, ARGV[1] the amount. The head never moves back. Answers 1, or 0 if the hash is gone.
local spent = redis.call('HGET', KEYS[1], 'spent')
if not spent then
    return 0
end
redis.call('HSET', KEYS[1], 'spent', string.format('%d', math.max(0, tonumber(spent) - tonumber(ARGV[1]))))
return 1
