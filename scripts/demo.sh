#!/usr/bin/env bash
# Quarry — try it without a Qualys subscription: builds, starts the built-in simulator on
# 127.0.0.1, runs the nightly pipeline against it and publishes a snapshot to ./demo-output.
# Usage: scripts/demo.sh [quarry demo options, e.g. --assets 10000 --faults all]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build -c release --product quarry 2>&1 | grep -E 'error|warning: unre|Compiling quarry|Build' || true
exec .build/release/quarry demo --output demo-output "$@"
