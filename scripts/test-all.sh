#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12: installs the real parts the tests drive
# (PostgreSQL 15, OpenSSH server, Bacula 15 from bookworm-backports, Chromium) when missing, then
# type-checks, runs the unit and integration tests (vitest) and the browser tests (Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
started=$(date +%s)
step() { echo; echo "==> $* ($(( $(date +%s) - started ))s)"; }
rm -f .testenv/vitest.json .testenv/playwright.json
# One closing line for the whole suite, whether it passed or not.
trap 'node scripts/test-summary.mjs .testenv/vitest.json .testenv/playwright.json || true' EXIT

step "Debian packages"
bash scripts/testenv/install-debian-deps.sh

step "npm packages"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run db:generate >/dev/null

step "type check"
npx tsc --noEmit

step "unit and integration tests (vitest)"
mkdir -p .testenv
npx vitest run --reporter=default --reporter=json --outputFile.json=.testenv/vitest.json

step "build"
npx next build >/tmp/bhd-next-build.log 2>&1 || { cat /tmp/bhd-next-build.log; exit 1; }

step "browser tests (Playwright on Debian Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=.testenv/playwright.json npx playwright test --reporter=list,json

step "all tests passed"
