#!/usr/bin/env bash
# Quarry — the whole test suite: set-up, unit and end-to-end tests, then the published output
# read back by DuckDB. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== swift test"
mkdir -p .build
if ! swift build --build-tests >.build/build-tests.log 2>&1; then
    grep -E 'error|warning: ' .build/build-tests.log | head -60 >&2
    echo "the build failed; the full log is .build/build-tests.log" >&2
    exit 1
fi
set +e
swift test --skip-build 2>&1 | tee .build/swift-test.log | grep -Ev '^(◇|↳) '
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    echo "swift test failed (exit $status); the full log is .build/swift-test.log" >&2
    exit "$status"
fi

bash scripts/check-demo.sh
