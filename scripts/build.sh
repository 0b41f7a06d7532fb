#!/usr/bin/env bash
# Builds one CMake preset (default: release): scripts/build.sh [debug|release|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
