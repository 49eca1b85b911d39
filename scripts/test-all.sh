#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12: installs the real parts the tests drive
# (PostgreSQL 15, OpenSSH server, Bacula 15 from bookworm-backports, Chromium) when missing, then
# type-checks, runs the unit and integration tests (vitest) and the browser tests (Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
started=$(date +%s)
step() { echo; echo "==> $* ($(( $(date +%s) - started ))s)"; }

step "Debian packages"
bash scripts/testenv/install-debian-deps.sh

step "npm packages"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx prisma generate >/dev/null

step "type check"
npx tsc --noEmit

step "unit and integration tests (vitest)"
npx vitest run --reporter=default

step "build"
npx next build >/tmp/bhd-next-build.log 2>&1 || { cat /tmp/bhd-next-build.log; exit 1; }

step "browser tests (Playwright on Debian Chromium)"
npx playwright test

step "all tests passed"
