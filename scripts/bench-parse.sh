#!/bin/sh
# Quarry — parse throughput of the extract readers (XML host list, GAV JSON) beside baselines.
# Usage: scripts/bench-parse.sh [--mb 150] [--hosts-per-page 1000]
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product quarry-bench 2>&1 | grep -E "error|Compiling|Build" | tail -3 >&2
exec .build/release/quarry-bench parse "$@"
