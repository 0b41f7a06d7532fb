#!/usr/bin/env bash
# Installs the dependencies, builds, and runs the whole test suite (release build), then the unit
# tests again under the address and undefined-behaviour sanitizers.
#   scripts/test.sh            everything
#   AIT_SKIP_ASAN=1 scripts/test.sh   release tests only (quicker while developing)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Every server and client the integration tests use was installed above: a test that finds one
# missing fails instead of skipping.
export AIT_REQUIRE_SERVERS=1
scripts/build.sh release
ctest --preset release -j "$(nproc)"
if [ "${AIT_SKIP_ASAN:-0}" != "1" ]; then
  scripts/build.sh asan
  ctest --preset asan -j "$(nproc)"
fi
