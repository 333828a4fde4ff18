-- wrk script for load.sh's cluster cases: the clicks of buyers.lua's 1,000 buyers spread over the nodes of a cluster.
-- NODES names the nodes ("127.0.0.1:28084 127.0.0.1:28085"); wrk's threads connect to them in turn (thread.addr), so
-- wrk runs one thread per node (-t2), each with its share of the connections, and one wrk sums the nodes' answers.
-- Every thread goes round the whole ring of buyers: every buyer clicks on every node, and the nodes share each scrip.
dofile("benchmarks/wrk/buyers.lua")

local nodes = {}
for node in assert(os.getenv("NODES"), "NODES: the nodes' host:port"):gmatch("%S+") do nodes[#nodes + 1] = node end
local threads = 0

setup = function(thread)
  local host, port = nodes[threads % #nodes + 1]:match("^(.+):(%d+)$")
  thread.addr = wrk.lookup(host, port)[1]
  threads = threads + 1
end
