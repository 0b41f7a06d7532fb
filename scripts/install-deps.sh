#!/usr/bin/env bash
# Installs every Debian package the platform needs to build, run and test.
# Idempotent: when everything is already installed it only checks and returns.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache mold pkg-config git curl ca-certificates openssl
  libboost-all-dev libssl-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libsqlite3-dev libzstd-dev libnats-dev zlib1g-dev
  libargon2-dev liboath-dev libpq-dev postgresql postgresql-contrib
  libhiredis-dev redis-server clickhouse-server clickhouse-client libhnswlib-dev
  libxgboost-dev xgboost python3-xgboost python3-numpy
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev libhowardhinnant-date-dev
  libclang-rt-14-dev
  nats-server prometheus python3 python3-websockets
  nginx wrk
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exec "$(dirname "$0")/install-web-deps.sh"
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
"$(dirname "$0")/install-web-deps.sh"
