#!/usr/bin/env bash
# Quarry — end-to-end check of the demo: run it on the simulator, then read every published
# table back with DuckDB (both formats, hive partitioning) and compare with the manifest.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=.build/debug/quarry
[ -x "$bin" ] || swift build --product quarry >/dev/null
out=$(mktemp -d /tmp/quarry-e2e.XXXXXX)
trap 'rm -rf "$out"' EXIT

passed=0; failed=0
check() {
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}

demo() {
    "$bin" demo --output "$out/lake" --assets 500 --seed 7 --snapshot-date 2026-01-15 --log-format json \
        >"$out/demo.out" 2>"$out/demo.log" || { tail -20 "$out/demo.log"; return 1; }
    grep -q '"message":"run.published"' "$out/demo.log"
}
check "demo publishes a snapshot (JSON log lines)" demo
check "DuckDB reads every table as the manifest says" .venv/bin/python scripts/check-lake.py "$out/lake"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
