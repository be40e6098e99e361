#!/usr/bin/env bash
# `npm test`: type check, unit + integration tests (Node), then the extension end-to-end in headless Chromium
# (and, for the dual-browser scenarios *.both.e2e.ts, headless firefox-esr) against the real `mutual serve`, and
# `web-ext lint` on the Firefox build. Installs Debian's Chromium, firefox-esr and redis-server first if they are missing. Ends with one line
# "N passed, N failed" over both suites.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
rm -f .tmp/vitest.json .tmp/e2e.json

npm run --silent typecheck || { echo "typecheck: failed"; echo "0 passed, 1 failed"; exit 1; }

# The server's native addon (P-256 key exchange by OpenSSL); its tests (test/server/ec-addon.test.ts) need it.
node scripts/build-native.mjs --required || echo "native addon: not built, its tests will fail"

# The Redis session-store tests start their own redis-server (Debian package) on a free port.
sh scripts/ensure-redis.sh || echo "redis-server could not be installed: the Redis tests will fail"
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json
unit=$?

sh scripts/ensure-chromium.sh && sh scripts/ensure-firefox.sh && MUTUAL_TEST_HOOKS=1 npm run --silent build >/dev/null \
  && MUTUAL_TEST_HOOKS=1 npm run --silent build:firefox >/dev/null
build=$?
lint=1
if [ $build -eq 0 ]; then
  npm run --silent lint:firefox
  lint=$?
  [ $lint -eq 0 ] || echo "web-ext lint: errors in dist-firefox/"
fi
e2e=1
if [ $build -eq 0 ]; then
  npx vitest run -c vitest.e2e.config.ts --reporter=default --reporter=json --outputFile=.tmp/e2e.json
  e2e=$?
else
  echo "extension build or Chromium install failed: end-to-end tests not run"
fi

# Leave dist/ and dist-firefox/ as normal builds (the e2e builds carry test hooks).
[ $build -eq 0 ] && npm run --silent build >/dev/null 2>&1 && npm run --silent build:firefox >/dev/null 2>&1

node scripts/test-summary.mjs .tmp/vitest.json .tmp/e2e.json
summary=$?
[ $unit -eq 0 ] && [ $build -eq 0 ] && [ $lint -eq 0 ] && [ $e2e -eq 0 ] && [ $summary -eq 0 ]
