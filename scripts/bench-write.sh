#!/bin/sh
# Quarry — load-stage write benchmark: CSV + NDJSON + gzip, beside zlib levels and the gzip command.
# Usage: scripts/bench-write.sh [ROWS]   (default 1,000,000 synthetic 20-column rows)
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product quarry-bench 2>&1 | grep -E "error|Compiling|Build" | tail -3 >&2
exec .build/release/quarry-bench write "${1:-1000000}"
