#!/usr/bin/env bash
# Quarry — try it without a Qualys subscription: builds, starts the built-in simulator on
# 127.0.0.1, runs the nightly pipeline against it and publishes a snapshot to ./demo-output.
# Usage: scripts/demo.sh [quarry demo options, e.g. --assets 10000 --faults all]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
mkdir -p .build
if ! swift build -c release --product quarry >.build/demo-build.log 2>&1; then
    grep -E 'error' .build/demo-build.log | head -40 >&2
    echo "the build failed; the full log is .build/demo-build.log" >&2
    exit 1
fi
exec .build/release/quarry demo --output demo-output "$@"
