#!/bin/sh
# Quarry — parse throughput of the extract readers (XML host list, GAV JSON) beside baselines.
# Usage: scripts/bench-parse.sh [--mb 150] [--hosts-per-page 1000] [--repeat 3] [--only xml|json]
# Prints, in one run: plain libxml2 SAX MB/s, Quarry XML reader MB/s and records/s,
# JSONSerialization MB/s, Quarry JSON reader MB/s and records/s, the readers' time relative
# to the baselines, peak RSS. Figures are per CPU second, medians of interleaved slices.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product quarry-bench 2>&1 | grep -E "error|Compiling|Build" | tail -3 >&2
exec .build/release/quarry-bench parse "$@"
