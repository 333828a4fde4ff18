#!/usr/bin/env bash
# Whole-request throughput under wrk on loopback, and latency at a fixed rate. The cases (CASES="..." picks them):
#   bare      the 10 KB page without the filter          free     through the filter, on a path no rule prices
#   freehdr   free, with the payment header               paid     paid with the x402 header (one scrip, repeat clicks)
#   cookie    paid with the browser flow's cookie         unpaid   a priced path without payment (the 402)
#   ids       paid with a new x402 payment identifier per request (fresh-payment-id.lua)
#   buyers    1,000 buyers, each with a scrip of their own, one after the other (wrk/buyers.lua)
#   firstseen a scrip never seen before on every request, from a pool used once (wrk/pool.lua)
#   stream    the segments of one video stream inside its entitlement window (wrk/stream.lua)
#   payword   one PayWord word per request, 256 chains in turn, each word sent once (wrk/pool.lua)
#   payword-compact  payword's words in the compact TOLLGATE-PAYWORD header (PROTOCOL.md §8), on 256 chains of its own
#   ref       paid with the seller's repeat reference instead of the header (wrk/repeat-reference.lua)
#   https-<case>  any of the above over HTTPS (a self-signed certificate; TLS handshakes only at connect)
#   cluster   the buyers' clicks spread over two filter nodes on one Redis (ledger.store: redis), each node a JVM of
#             its own with its own journal; one wrk, a thread per node (wrk/cluster.lua); CPU: both nodes + redis-server
#   cluster-embedded  the same two nodes on the embedded ledger (no Redis): cluster's baseline (issue 11: >= 0.8x)
# After a warm-up of every case, the cases are measured in interleaved rounds; the median of the rounds is printed
# with the ratio to bare and to free (over HTTPS: to https-bare and https-free) and the server's CPU time per request
# (user + system, from /proc; for a cluster case, of its two nodes and redis-server). LATENCY="..." then measures
# those cases (each also in CASES) at one fixed rate, half of the lowest of their medians (or LATENCY_RATE), in
# interleaved rounds, and prints the median p50/p99/p99.9.
# Usage: benchmarks/load.sh [power-cut-safe|process-crash-safe] [seconds per run] [connections] [rounds]
# PORT (default 18080) is the first of the four ports the server takes, nine with a cluster case (four nodes and
# Redis on PORT+4 to PORT+8). The cluster cases' redis-server is started here with AOF on, fsynced like the ledger:
# appendfsync always under power-cut-safe, everysec under process-crash-safe. After the run their nodes are stopped
# and their ledgers checked against wrk's paid answers and Redis (LedgerTotals); a failed check exits 1.
# Needs wrk (apt-get install wrk), redis-server for the cluster cases (apt-get install redis-server) and a build:
# mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
durability=${1:-power-cut-safe}
seconds=${2:-8}
connections=${3:-32}
rounds=${4:-3}
port=${PORT:-18080}
cases=(${CASES:-bare free freehdr paid cookie unpaid})
latency_cases=(${LATENCY:-})
work=$(mktemp -d)
server=
declare -A nodes # cluster case -> the pids of its nodes
redis=
stop() { # pid... : ends processes this script started and waits for them (a node closes its ledger on SIGTERM)
    local p
    for p in "$@"; do kill "$p" 2> /dev/null || true; done
    for p in "$@"; do wait "$p" 2> /dev/null || true; done
}
trap 'stop ${nodes[*]}; stop $server $redis; rm -rf "$work"' EXIT # the nodes first: they hand back to Redis

cluster=
for c in "${cases[@]}" "${latency_cases[@]}"; do
    case $c in
        cluster | cluster-embedded) cluster=yes ;;
        https-cluster*) echo "no case $c: the cluster cases run over plain HTTP only" >&2; exit 1 ;;
    esac
done
last_port=$((port + 3))
[[ -n $cluster ]] && last_port=$((port + 8))
for p in $(seq "$port" "$last_port"); do
    if ss -Hltn "sport = :$p" | grep -q .; then
        echo "port $p is taken (another load.sh?): set PORT to the first of $((last_port - port + 1)) free ports" >&2
        exit 1
    fi
done

# A pool is sized for its cases' runs at the most requests per second it could serve here, with room to spare.
pool_size() { # case-name-pattern requests-per-second
    local s=0 c
    for c in "${cases[@]}"; do [[ ${c#https-} == "$1" ]] && s=$((s + 5 + rounds * seconds)); done
    for c in "${latency_cases[@]}"; do [[ ${c#https-} == "$1" ]] && s=$((s + rounds * seconds)); done
    echo $((s * $2))
}
options=(tls=$((port + 2)):$((port + 3)))
n=$(pool_size firstseen 20000); ((n > 0)) && options+=(first-seen=$n)
n=$(pool_size payword 40000); ((n > 0)) && options+=(payword=$n)
n=$(pool_size payword-compact 40000); ((n > 0)) && options+=(payword-compact=$n)

if [[ -n $cluster ]]; then
    command -v redis-server > /dev/null || { echo "the cluster cases need redis-server: apt-get install redis-server" >&2; exit 1; }
    fsync=everysec # what survives: a killed Redis process loses nothing acknowledged, as process-crash-safe
    [[ $durability == power-cut-safe ]] && fsync=always # a grant on disk before its reply (docs/CLUSTER.md)
    mkdir "$work/redis"
    redis-server --port $((port + 8)) --bind 127.0.0.1 --dir "$work/redis" --daemonize no --save '' \
        --appendonly yes --appendfsync $fsync --maxmemory-policy noeviction > "$work/redis/redis.log" 2>&1 &
    redis=$!
    options+=(cluster=redis://127.0.0.1:$((port + 8)))
fi

java -Xms512m -Xmx512m -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar dev.tollgate.bench.LoadServer \
    "$port" $((port + 1)) "$work" "$durability" "${options[@]}" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
    grep -q ready "$work/server.log" 2>/dev/null && break
    kill -0 $server 2>/dev/null || break
    sleep 0.2
done
grep -q ready "$work/server.log" || { cat "$work/server.log"; exit 1; }

# The cluster cases' nodes, each a JVM like the server: cluster's on PORT+4 and +5, cluster-embedded's on +6 and +7.
start_node() { # case folder port
    java -Xms512m -Xmx512m -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar dev.tollgate.bench.ClusterNode \
        "$3" "$work/$2" > "$work/$2/node.log" 2>&1 &
    nodes[$1]+="$! "
    for _ in $(seq 1 600); do
        grep -q ready "$work/$2/node.log" && return
        kill -0 $! 2> /dev/null || break
        sleep 0.2
    done
    echo "node $2 did not start:" >&2
    cat "$work/$2/node.log" >&2
    exit 1
}
if [[ -n $cluster ]]; then
    for _ in $(seq 1 100); do ss -Hltn "sport = :$((port + 8))" | grep -q . && break; sleep 0.1; done
    start_node cluster cluster/a $((port + 4))
    start_node cluster cluster/b $((port + 5))
    start_node cluster-embedded embedded/a $((port + 6))
    start_node cluster-embedded embedded/b $((port + 7))
fi
header=$(cat "$work/payment-header.txt")
token=$(cat "$work/scrip-token.txt")
export PAYMENT_JSON="$work/payment-json-with-id.txt" BUYERS="$work/buyers.txt" PAYMENT_HEADER="$work/payment-header.txt" # for the wrk scripts

# Sets url, script and headers for a case.
setup_case() {
    local c=${1#https-} scheme=http filtered=$port bare=$((port + 1))
    if [[ $1 == https-* ]]; then scheme=https filtered=$((port + 2)) bare=$((port + 3)); fi
    url=$scheme://127.0.0.1:$filtered/paid/page script= headers=() threads=1 pids=$server
    case $c in
        bare) url=$scheme://127.0.0.1:$bare/page ;;
        free) url=$scheme://127.0.0.1:$filtered/free/page ;;
        freehdr) url=$scheme://127.0.0.1:$filtered/free/page; headers=(-H "PAYMENT-SIGNATURE: $header") ;;
        paid) headers=(-H "PAYMENT-SIGNATURE: $header") ;;
        # A click on the site, as a browser sends it: the cookie pays only for a navigation the person made.
        cookie) headers=(-H "Cookie: __Host-tollgate_scrip=$token" -H "Sec-Fetch-Site: same-origin"
            -H "Sec-Fetch-Mode: navigate" -H "Sec-Fetch-Dest: document") ;;
        unpaid) ;;
        ids) script=benchmarks/wrk/fresh-payment-id.lua ;;
        ref) script=benchmarks/wrk/repeat-reference.lua ;; # the seller's repeat reference, PROTOCOL.md §12
        buyers) script=benchmarks/wrk/buyers.lua ;;
        firstseen) script=benchmarks/wrk/pool.lua
            export POOL=$work/first-seen.txt POOL_STATE=$work/first-seen.at POOL_HEADER=PAYMENT-SIGNATURE ;;
        stream) url=$scheme://127.0.0.1:$filtered/; script=benchmarks/wrk/stream.lua
            headers=(-H "PAYMENT-SIGNATURE: $header") ;;
        payword) url=$scheme://127.0.0.1:$filtered/payword/page; script=benchmarks/wrk/pool.lua
            export POOL=$work/payword.txt POOL_STATE=$work/payword.at POOL_HEADER=PAYMENT-SIGNATURE ;;
        payword-compact) url=$scheme://127.0.0.1:$filtered/payword/page; script=benchmarks/wrk/pool.lua
            export POOL=$work/payword-compact.txt POOL_STATE=$work/payword-compact.at
            export POOL_HEADER=TOLLGATE-PAYWORD ;;
        cluster) url=http://127.0.0.1:$((port + 4))/paid/page; script=benchmarks/wrk/cluster.lua threads=2
            export NODES="127.0.0.1:$((port + 4)) 127.0.0.1:$((port + 5))"; pids="${nodes[cluster]} $redis" ;;
        cluster-embedded) url=http://127.0.0.1:$((port + 6))/paid/page; script=benchmarks/wrk/cluster.lua threads=2
            export NODES="127.0.0.1:$((port + 6)) 127.0.0.1:$((port + 7))"; pids=${nodes[cluster-embedded]} ;;
        *) echo "unknown case $1" >&2; exit 1 ;;
    esac
}
cpu_ticks() { # of every process serving the case: user + system
    local p t=0
    for p in $pids; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
    echo $t
}
# Adds a wrk run's paid answers and the requests it left in flight (its connections, and its timeouts, whose answers
# it dropped) to the case's counts: LedgerTotals checks a cluster case's ledgers against them.
count_answers() { # case wrk-output
    echo "$2" | awk -v c="$connections" '/requests in/ {a = $1} /Non-2xx/ {a -= $NF}
        /Socket errors/ {for (i = 1; i <= NF; i++) t += $i} END {print a, c + t}' >> "$work/answers.$1"
}

measure() { # case seconds -> "requests/s CPU-µs-per-request"
    local c=$1 d=$2 before after out
    setup_case "$c"
    before=$(cpu_ticks)
    out=$(wrk -t"$threads" -c"$connections" -d"${d}s" "${headers[@]}" ${script:+-s "$script"} "$url")
    after=$(cpu_ticks)
    count_answers "$c" "$out"
    if grep -q "Non-2xx" <<< "$out"; then # a case that stops paying measures the 402, not what it names
        echo "case $c: $(grep "Non-2xx" <<< "$out" | xargs)" >&2
    fi
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
        "$(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $(echo "$out" | awk '/requests in/ {print $1}')" | bc -l)"
}

paced() { # case seconds rate -> "achieved-rate p50-µs p99-µs p99.9-µs"
    local c=$1 out
    setup_case "$c"
    # paced.lua keeps one schedule per wrk thread: each thread of a cluster case sends its share of the rate
    out=$(CASE_SCRIPT=$script RATE=$(($3 / threads)) wrk -t"$threads" -c"$connections" -d"$2s" "${headers[@]}" \
        -s benchmarks/wrk/paced.lua "$url")
    count_answers "$c" "$out"
    if grep -q "Non-2xx" <<< "$out"; then
        echo "case $c (paced): $(grep "Non-2xx" <<< "$out" | xargs)" >&2
    fi
    echo "$out" | awk '/^paced/ {print $3, $5, $7, $9}'
}

for c in "${cases[@]}"; do measure "$c" 5 > /dev/null; done   # warm-up: let the JIT compile every path
declare -A rps cpu
for r in $(seq 1 "$rounds"); do
    for c in "${cases[@]}"; do
        read -r x y < <(measure "$c" "$seconds")
        rps[$c]+="$x "
        cpu[$c]+="$y "
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { # case baseline -> the case's median over the baseline's of the same scheme, if measured
    local base=$2
    [[ $1 == https-* ]] && base=https-$2
    [[ -n ${rps[$base]:-} ]] && printf '%.2f' "$(echo "$(echo "${rps[$1]}" | median) / $(echo "${rps[$base]}" | median)" | bc -l)" || echo -
}

echo "date $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "durability $durability, $connections connections, $rounds rounds of ${seconds}s, payment header ${#header} bytes"
printf '%-16s %10s %8s %8s %18s   %s\n' "case" "req/s" "vs bare" "vs free" "server CPU µs/req" "(all rounds, req/s)"
for c in "${cases[@]}"; do
    printf '%-16s %10.0f %8s %8s %18.1f   (%s)\n' "$c" "$(echo "${rps[$c]}" | median)" "$(ratio "$c" bare)" \
        "$(ratio "$c" free)" "$(echo "${cpu[$c]}" | median)" "${rps[$c]% }"
done

heap() { # the server's used heap after a full GC, in MiB: what the caches keep after every payment of the run
    jcmd $server GC.run > /dev/null
    jcmd $server GC.heap_info | awk '/Gen .*used/ {for (i = 1; i < NF; i++) if ($i == "used") {u += $(i + 1) + 0}}
        END {printf "%.1f", u / 1024}'
}
echo "server heap used after a full GC: $(heap) MiB (-Xmx512m)"
if [[ -n ${rps[cluster]:-} && -n ${rps[cluster-embedded]:-} ]]; then
    echo "cluster vs cluster-embedded: $(ratio cluster cluster-embedded) (issue 11's goal: at least 0.80)"
fi

# Stops the cluster cases' nodes (each folds its journal, hands its slices back and closes its ledger) and checks
# what their ledgers charged against wrk's paid answers, each scrip's budget and, on Redis, Redis's record.
check_cluster() {
    local c counts folder redis_arg status=0
    for c in cluster cluster-embedded; do
        [[ -n ${nodes[$c]:-} ]] || continue
        stop ${nodes[$c]}
        nodes[$c]=
        [[ -f $work/answers.$c ]] || continue
        counts=$(awk '{a += $1; f += $2} END {print a, f}' "$work/answers.$c") # paid answers, in flight at most
        folder=embedded redis_arg=()
        if [[ $c == cluster ]]; then folder=cluster redis_arg=(redis=redis://127.0.0.1:$((port + 8))); fi
        java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp benchmarks/target/benchmarks.jar \
            dev.tollgate.bench.LedgerTotals "$c" $counts "${redis_arg[@]}" "$work/$folder/a" "$work/$folder/b" || status=1
    done
    return $status
}

if ((${#latency_cases[@]} == 0)); then
    check_cluster
    exit
fi
rate=${LATENCY_RATE:-}
if [[ -z $rate ]]; then
    slowest=$(for c in "${latency_cases[@]}"; do echo "${rps[$c]:?LATENCY case $c is not in CASES}" | median; done | sort -g | head -1)
    rate=$(printf '%.0f' "$(echo "$slowest / 2" | bc -l)")
fi
declare -A p50 p99 p999 achieved
for r in $(seq 1 "$rounds"); do
    for c in "${latency_cases[@]}"; do
        read -r a b d e < <(paced "$c" "$seconds" "$rate")
        achieved[$c]+="$a " p50[$c]+="$b " p99[$c]+="$d " p999[$c]+="$e "
    done
done
echo "latency at $rate requests/s (wrk -c$connections, paced.lua), µs, median of $rounds rounds"
printf '%-16s %10s %8s %8s %8s   %s\n' "case" "req/s" "p50" "p99" "p99.9" "(all rounds, p99)"
for c in "${latency_cases[@]}"; do
    printf '%-16s %10.0f %8.0f %8.0f %8.0f   (%s)\n' "$c" "$(echo "${achieved[$c]}" | median)" \
        "$(echo "${p50[$c]}" | median)" "$(echo "${p99[$c]}" | median)" "$(echo "${p999[$c]}" | median)" "${p99[$c]% }"
done
check_cluster
