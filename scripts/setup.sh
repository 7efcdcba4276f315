#!/usr/bin/env bash
# Quarry — installs what building and checking need, only what is missing:
# the C libraries (libxml2, zlib) with pkg-config, and a Python venv with DuckDB for output checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists libxml-2.0 || need_apt+=(libxml2-dev)
    pkg-config --exists zlib || need_apt+=(zlib1g-dev)
else
    need_apt+=(libxml2-dev zlib1g-dev)
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then need_apt+=(python3-venv); fi

if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: the Swift toolchain (swift 6.x) is required and was not found on PATH" >&2
    exit 1
fi

if [ "${QUARRY_SKIP_VENV:-0}" != "1" ]; then
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import duckdb' >/dev/null 2>&1; then
        echo "setup: creating .venv with duckdb"
        python3 -m venv .venv
        .venv/bin/pip install -q --disable-pip-version-check duckdb
    fi
fi
