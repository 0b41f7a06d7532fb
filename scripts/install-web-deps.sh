#!/usr/bin/env bash
# Installs the npm packages of the web dashboard and of its browser test, at the versions pinned
# in their package-lock.json files, and copies the chart library with its licence into
# web/vendor/ (not committed: this script makes it). Called by scripts/install-deps.sh.
# Never downloads a browser: the test drives Debian's chromium (/usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js 20 or later runs the browser test (playwright-core). Debian 12 ships Node.js 18: then
# Node.js 20 comes from the npm registry's `node` package into third_party/node (not committed),
# where the CMake tests look first.
if ! command -v npm >/dev/null 2>&1; then
  echo "install-web-deps: installing Debian's nodejs and npm"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    --no-install-recommends nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ] && [ ! -x third_party/node/node_modules/.bin/node ]; then
  echo "install-web-deps: Node.js $node_major is too old for playwright-core; adding Node.js 20 in third_party/node"
  npm install --prefix third_party/node --no-audit --no-fund --loglevel=error node@20
fi
if [ -x third_party/node/node_modules/.bin/node ]; then
  PATH="$PWD/third_party/node/node_modules/.bin:$PATH"
fi

# Runs `npm ci` in $1 unless node_modules already matches its package-lock.json.
npm_ci() {
  local dir=$1 stamp=$1/node_modules/.aitrading-lock
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then return 0; fi
  echo "install-web-deps: npm ci in $dir"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts \
     --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
}

npm_ci third_party/web
npm_ci test/browser

charts=third_party/web/node_modules/lightweight-charts
mkdir -p web/vendor
cp "$charts/dist/lightweight-charts.standalone.production.mjs" web/vendor/lightweight-charts.mjs
cp "$charts/LICENSE" web/vendor/lightweight-charts.LICENSE.txt
version=$(node -p "require('./$charts/package.json').version")
echo "lightweight-charts $version (Apache-2.0, TradingView, Inc.), bundling fancy-canvas (MIT)" \
  > web/vendor/VERSION.txt
echo "install-web-deps: web/vendor has lightweight-charts $version"
