#!/usr/bin/env bash
# Quarry — bounded-channel throughput, single records vs batches of 1,000 (release build).
# Usage: scripts/bench-channel.sh [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product quarry-bench >/dev/null
.build/release/quarry-bench channel "${1:-5000000}"
