#!/usr/bin/env bash
# Installs the dependencies, builds the release binary and starts the platform on its embedded
# defaults (synthetic demo feed, journal files and SQLite under ./var). Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/src/app/aitrading serve "$@"
