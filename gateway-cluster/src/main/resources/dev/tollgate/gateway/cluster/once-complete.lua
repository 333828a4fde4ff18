-- Completes a one-use value (docs/CLUSTER.md "The browser flow's one-use state"): KEYS[1] is the value's key; if it
-- holds '' (taken, not completed), it holds ARGV[1] from now on, with the time to live it had. Answers 1 if so, else 0.
if redis.call('GET', KEYS[1]) == '' then
    redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
    return 1
end
return 0
