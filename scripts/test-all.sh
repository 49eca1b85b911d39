#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12: installs the real parts the tests drive
# (PostgreSQL 15, OpenSSH server, Bacula 15 from bookworm-backports, Chromium) when missing, then
# type-checks, runs the unit and integration tests (vitest) and the browser tests (Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
started=$(date +%s)
step() { echo; echo "==> $* ($(( $(date +%s) - started ))s)"; }
rm -f .testenv/vitest.json .testenv/vitest-pg.json .testenv/vitest-cluster.json .testenv/playwright.json
# One closing line for the whole suite, whether it passed or not.
trap 'node scripts/test-summary.mjs .testenv/vitest.json .testenv/vitest-pg.json .testenv/vitest-cluster.json .testenv/playwright.json || true' EXIT

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

# The same API and failover tests with the app's database on PostgreSQL: every route family
# (test/api) and the promotion state machine (promotion, crash resume, fencing), plus the
# cross-instance parts (leases, the poller's leader), the raw reads and replays of lib/db, and the importer (its placeholder SDs: deletes and
# timestamps compared), the CLI and the hostile-value
# test, which found dialect differences (Json null sentinels, NUL in text); the migrations test above
# already proves both migration folders. One PostgreSQL cluster for the run (test/support/global-setup.ts).
# (The whole vitest suite passes on PostgreSQL too: TEST_DB=postgresql npx vitest run, ~400 s here.)
step "API and failover tests on PostgreSQL (TEST_DB=postgresql)"
TEST_DB=postgresql npx vitest run test/api test/failover/promotion.test.ts test/failover/crash.test.ts test/failover/fencing.test.ts \
  lib/cluster/lease.test.ts lib/replication/leader.test.ts lib/db/direct.test.ts lib/db/raw-rows.test.ts lib/db/replay.test.ts lib/config/import-to-db.test.ts lib/config/import-placeholders.test.ts lib/config/import-fd.test.ts test/cli/config-cli.test.ts test/security/config-fuzz.test.ts \
  --reporter=default --reporter=json --outputFile.json=.testenv/vitest-pg.json

step "build"
npx next build >/tmp/bhd-next-build.log 2>&1 || { cat /tmp/bhd-next-build.log; exit 1; }

step "two app instances on one PostgreSQL (real server processes, SIGKILL mid-operation)"
TEST_CLUSTER=1 npx vitest run test/cluster --reporter=default --reporter=json --outputFile.json=.testenv/vitest-cluster.json

step "browser tests (Playwright on Debian Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=.testenv/playwright.json npx playwright test --reporter=list,json

step "all tests passed"
