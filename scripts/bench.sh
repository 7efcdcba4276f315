#!/usr/bin/env bash
# Quarry — the nightly job at 10,000, 100,000 and 1,000,000 simulated assets (zero latency).
# Runs `quarry sim` and `quarry run` as separate processes so the figures are the job's own,
# then parses the recorded responses once with plain libxml2 / JSONSerialization for the floor.
# Usage: scripts/bench.sh [N ...]     (default: 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)

swift build -c release --product quarry 2>&1 | grep -E "error|Build" | tail -2 >&2
swift build -c release --product quarry-bench 2>&1 | grep -E "error|Build" | tail -2 >&2
bin=.build/release/quarry
work=$(mktemp -d /tmp/quarry-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

for n in "${sizes[@]}"; do
    "$bin" sim --assets "$n" --seed 1 --port 0 --log-level warning >"$work/sim-$n.out" 2>"$work/sim-$n.err" &
    sim=$!
    for _ in $(seq 1 100); do grep -q listening "$work/sim-$n.out" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/^listening on //p' "$work/sim-$n.out")
    cat >"$work/p-$n.json" <<JSON
{"name": "bench", "qualys": {"apiURL": "$url", "gatewayURL": "$url"},
 "transform": {"schemas": "$root/schemas"}, "output": {"dir": "$work/lake-$n"}}
JSON
    QUALYS_USERNAME=quarry-demo QUALYS_PASSWORD=quarry-demo-password \
        /usr/bin/time -f "%e %U %S %M" -o "$work/time-$n" \
        "$bin" run "$work/p-$n.json" --snapshot-date 2026-01-01 --record "$work/rec-$n" --log-level warning \
        2>"$work/run-$n.err" || { cat "$work/run-$n.err" >&2; exit 1; }
    kill "$sim"; wait "$sim" 2>/dev/null || true
    read -r wall user sys rss <"$work/time-$n"
    calc() { python3 -c "print($1)"; }
    cpu=$(calc "round($user + $sys, 2)")
    assets=$(python3 -c "import json,sys; m=json.load(open('$work/lake-$n/_manifests/snapshot_date=2026-01-01/manifest.json')); print({t['name']: t['rows'] for t in m['tables']}['assets'])")
    .build/release/quarry-bench baseline "$work/rec-$n" >"$work/base-$n"
    xml=$(sed -n 's/^baseline.xml_cpu_s //p' "$work/base-$n"); json=$(sed -n 's/^baseline.json_cpu_s //p' "$work/base-$n")
    echo "assets=$n"
    echo "  machines_published $assets"
    echo "  wall_s $wall"
    echo "  cpu_s $cpu"
    echo "  peak_rss_mb $((rss / 1024))"
    echo "  assets_per_s $(calc "int($n / $wall)")"
    sed 's/^/  /' "$work/base-$n"
    echo "  cpu_over_plain_parse $(calc "round($cpu / max($xml + $json, 0.01), 2)")"
    rm -rf "$work/rec-$n" "$work/lake-$n"
done
