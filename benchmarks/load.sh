#!/usr/bin/env bash
# Whole-request throughput under wrk on loopback: the same 10 KB page bare, through the filter free, and paid.
# Usage: benchmarks/load.sh [power-cut-safe|process-crash-safe] [seconds] [connections]
# Needs wrk (apt-get install wrk) and a build: mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
durability=${1:-power-cut-safe}
seconds=${2:-15}
connections=${3:-32}
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

cpu_ticks() { # user + system clock ticks of the server process
    awk '{print $14 + $15}' "/proc/$server/stat"
}

run() { # name url [header]: prints "name requests/s server-CPU-µs-per-request"
    local name=$1 url=$2; shift 2
    wrk -t1 -c"$connections" -d3s "$@" "$url" > /dev/null   # warm-up
    local before after out rps total
    before=$(cpu_ticks)
    out=$(wrk -t1 -c"$connections" -d"${seconds}s" "$@" "$url")
    after=$(cpu_ticks)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    total=$(echo "$out" | awk '/requests in/ {print $1}')
    echo "$name $rps $(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $total" | bc -l)"
}

echo "date $(date -u +%Y-%m-%dT%H:%MZ) cores $(nproc) durability $durability connections $connections"
read -r _ bare bare_cpu < <(run bare http://127.0.0.1:18081/page)
read -r _ free free_cpu < <(run free http://127.0.0.1:18080/free/page)
read -r _ paid paid_cpu < <(run paid http://127.0.0.1:18080/paid/page -H "PAYMENT-SIGNATURE: $header")
read -r _ unpaid unpaid_cpu < <(run unpaid http://127.0.0.1:18080/paid/page)
printf '%-8s %10s %12s %18s\n' "case" "req/s" "vs bare" "server CPU µs/req"
for c in bare free paid unpaid; do
    cpu=${c}_cpu
    printf '%-8s %10.0f %12.2f %18.1f\n' "$c" "${!c}" "$(echo "${!c} / $bare" | bc -l)" "${!cpu}"
done
