#!/usr/bin/env bash
# Whole-request throughput under wrk on loopback: the same 10 KB page bare, through the filter free, free with the
# payment header (what parsing the header costs before the filter runs), paid with the x402 header, paid with the
# browser flow's cookie (the scrip alone), unpaid (the 402), and, only when asked for with CASES, ids: paid with a
# header that carries a new x402 payment identifier each time (fresh-payment-id.lua), as the buyer client sends it,
# and ref: paid with the seller's repeat reference instead of the header (repeat-reference.lua).
# After a warm-up of every case, the cases are measured in interleaved rounds; the median of the rounds is printed
# with the server's CPU time per request (user + system, from /proc).
# Usage: benchmarks/load.sh [power-cut-safe|process-crash-safe] [seconds per run] [connections] [rounds]
# Needs wrk (apt-get install wrk) and a build: mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
durability=${1:-power-cut-safe}
seconds=${2:-8}
connections=${3:-32}
rounds=${4:-3}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

java -Xms512m -Xmx512m -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar dev.tollgate.bench.LoadServer \
    18080 18081 "$work" "$durability" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    grep -q ready "$work/server.log" 2>/dev/null && break
    sleep 0.2
done
grep -q ready "$work/server.log" || { cat "$work/server.log"; exit 1; }
header=$(cat "$work/payment-header.txt")
export PAYMENT_JSON="$work/payment-json-with-id.txt" # for the ids case's wrk script
export PAYMENT_HEADER="$work/payment-header.txt" # for the ref case's
token=$(cat "$work/scrip-token.txt")

cases=(${CASES:-bare free freehdr paid cookie unpaid}) # CASES="bare free paid" measures only those
declare -A url=(
    [bare]=http://127.0.0.1:18081/page
    [free]=http://127.0.0.1:18080/free/page
    [freehdr]=http://127.0.0.1:18080/free/page
    [paid]=http://127.0.0.1:18080/paid/page
    [cookie]=http://127.0.0.1:18080/paid/page
    [unpaid]=http://127.0.0.1:18080/paid/page
    [ids]=http://127.0.0.1:18080/paid/page
    [ref]=http://127.0.0.1:18080/paid/page
)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

measure() { # case seconds -> "requests/s CPU-µs-per-request"
    local c=$1 d=$2 before after out extra=()
    [[ $c == freehdr || $c == paid ]] && extra=(-H "PAYMENT-SIGNATURE: $header")
    # A click on the site, as a browser sends it: the cookie pays only for a navigation the person made.
    [[ $c == cookie ]] && extra=(-H "Cookie: __Host-tollgate_scrip=$token" -H "Sec-Fetch-Site: same-origin"
        -H "Sec-Fetch-Mode: navigate" -H "Sec-Fetch-Dest: document")
    [[ $c == ids ]] && extra=(-s benchmarks/fresh-payment-id.lua)
    [[ $c == ref ]] && extra=(-s benchmarks/repeat-reference.lua) # the seller's repeat reference, PROTOCOL.md §12
    before=$(cpu_ticks)
    out=$(wrk -t1 -c"$connections" -d"${d}s" "${extra[@]}" "${url[$c]}")
    after=$(cpu_ticks)
    if grep -q "Non-2xx" <<< "$out"; then # a case that stops paying measures the 402, not what it names
        echo "case $c: $(grep "Non-2xx" <<< "$out" | xargs)" >&2
    fi
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
        "$(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $(echo "$out" | awk '/requests in/ {print $1}')" | bc -l)"
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

echo "date $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, durability $durability, $connections connections," \
    "$rounds rounds of ${seconds}s, payment header ${#header} bytes"
bare=$(echo "${rps[bare]}" | median)
printf '%-8s %10s %8s %18s   %s\n' "case" "req/s" "vs bare" "server CPU µs/req" "(all rounds, req/s)"
for c in "${cases[@]}"; do
    m=$(echo "${rps[$c]}" | median)
    printf '%-8s %10.0f %8.2f %18.1f   (%s)\n' "$c" "$m" "$(echo "$m / $bare" | bc -l)" \
        "$(echo "${cpu[$c]}" | median)" "${rps[$c]% }"
done
