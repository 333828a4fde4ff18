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
#   ref       paid with the seller's repeat reference instead of the header (wrk/repeat-reference.lua)
#   https-<case>  any of the above over HTTPS (a self-signed certificate; TLS handshakes only at connect)
# After a warm-up of every case, the cases are measured in interleaved rounds; the median of the rounds is printed
# with the ratio to bare and to free (over HTTPS: to https-bare and https-free) and the server's CPU time per request
# (user + system, from /proc). LATENCY="..." then measures those cases (each also in CASES) at one fixed rate, half
# of the lowest of their medians (or LATENCY_RATE), in interleaved rounds, and prints the median p50/p99/p99.9.
# Usage: benchmarks/load.sh [power-cut-safe|process-crash-safe] [seconds per run] [connections] [rounds]
# PORT (default 18080) is the first of the four ports the server takes. Needs wrk (apt-get install wrk) and a
# build: mvn -B -q package -DskipTests
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
trap '[[ -n $server ]] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

for p in $port $((port + 1)) $((port + 2)) $((port + 3)); do
    if ss -Hltn "sport = :$p" | grep -q .; then
        echo "port $p is taken (another load.sh?): set PORT to the first of four free ports" >&2
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

java -Xms512m -Xmx512m -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar dev.tollgate.bench.LoadServer \
    "$port" $((port + 1)) "$work" "$durability" "${options[@]}" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
    grep -q ready "$work/server.log" 2>/dev/null && break
    kill -0 $server 2>/dev/null || break
    sleep 0.2
done
grep -q ready "$work/server.log" || { cat "$work/server.log"; exit 1; }
header=$(cat "$work/payment-header.txt")
token=$(cat "$work/scrip-token.txt")
export PAYMENT_JSON="$work/payment-json-with-id.txt" BUYERS="$work/buyers.txt" PAYMENT_HEADER="$work/payment-header.txt" # for the wrk scripts

# Sets url, script and headers for a case.
setup_case() {
    local c=${1#https-} scheme=http filtered=$port bare=$((port + 1))
    if [[ $1 == https-* ]]; then scheme=https filtered=$((port + 2)) bare=$((port + 3)); fi
    url=$scheme://127.0.0.1:$filtered/paid/page script= headers=()
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
        firstseen) script=benchmarks/wrk/pool.lua; export POOL=$work/first-seen.txt POOL_STATE=$work/first-seen.at ;;
        stream) url=$scheme://127.0.0.1:$filtered/; script=benchmarks/wrk/stream.lua
            headers=(-H "PAYMENT-SIGNATURE: $header") ;;
        payword) url=$scheme://127.0.0.1:$filtered/payword/page; script=benchmarks/wrk/pool.lua
            export POOL=$work/payword.txt POOL_STATE=$work/payword.at ;;
        *) echo "unknown case $1" >&2; exit 1 ;;
    esac
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

measure() { # case seconds -> "requests/s CPU-µs-per-request"
    local c=$1 d=$2 before after out
    setup_case "$c"
    before=$(cpu_ticks)
    out=$(wrk -t1 -c"$connections" -d"${d}s" "${headers[@]}" ${script:+-s "$script"} "$url")
    after=$(cpu_ticks)
    if grep -q "Non-2xx" <<< "$out"; then # a case that stops paying measures the 402, not what it names
        echo "case $c: $(grep "Non-2xx" <<< "$out" | xargs)" >&2
    fi
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
        "$(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $(echo "$out" | awk '/requests in/ {print $1}')" | bc -l)"
}

paced() { # case seconds rate -> "achieved-rate p50-µs p99-µs p99.9-µs"
    local c=$1 out
    setup_case "$c"
    out=$(CASE_SCRIPT=$script RATE=$3 wrk -t1 -c"$connections" -d"$2s" "${headers[@]}" -s benchmarks/wrk/paced.lua "$url")
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

((${#latency_cases[@]} > 0)) || exit 0
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
