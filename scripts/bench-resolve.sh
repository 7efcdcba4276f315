#!/usr/bin/env bash
# Quarry — benchmark of mapping + entity resolution: 100k and 1M synthetic machines.
# Usage: scripts/bench-resolve.sh [MACHINES ...]   (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product quarry-bench 2>&1 | tail -1
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)
for n in "${sizes[@]}"; do
    extra=()
    [ "$n" -le 200000 ] && extra=(--score)
    .build/release/quarry-bench resolve --machines "$n" --schemas schemas "${extra[@]}"
done
