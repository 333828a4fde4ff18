#!/usr/bin/env bash
# The memory bound of issue 12: the heap a gateway's ledger keeps after 1,000,000 distinct scrip were each charged
# once stays within a bound (dev.tollgate.gateway.ledger.LedgerHeapBound): prints the used heap after a full GC every
# 100,000 scrip and fails if the last figure is above the bound. -Xmx is set well below what a million states would
# take, so an unbounded map would also show as an OutOfMemoryError.
# Usage: benchmarks/heap.sh [scrip] [bound MiB] (defaults 1000000 and 64). Needs a build: mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
exec java -Xmx192m -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar dev.tollgate.gateway.ledger.LedgerHeapBound \
    "${1:-1000000}" "${2:-64}"
