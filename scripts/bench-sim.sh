#!/usr/bin/env bash
# Quarry — simulator benchmark: 1,000,000-asset tenant vs a 10,000-asset baseline, over loopback.
# Usage: scripts/bench-sim.sh [ASSETS] [BASELINE]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product quarry-bench 2>&1 | grep -E "error|Compiling|Build" || true
.build/release/quarry-bench sim --assets "${1:-1000000}" --baseline "${2:-10000}"
