#!/usr/bin/env bash
# Serves the built app for the browser tests: a fresh SQLite database, migrated and loaded with the
# demo topology, and a first admin from the environment. Needs `next build` first.
# Also a real PostgreSQL primary + standby pair (scripts/testenv/pg-pair.sh), added as catalog
# cluster "catalog-e2e" (facts for specs in $DIR/pgpair.json, its directory in $DIR/pgpair.dir) and
# polled every second; it is stopped when the server stops (Playwright sends SIGTERM), or at the
# next start on the same port if a previous run was killed.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-3210}"
DIR="$PWD/.testenv/e2e-$PORT"
PAIR_RECORD="$DIR/pgpair.dir"
stop_pair() {
  if [ -f "$PAIR_RECORD" ]; then
    local d; d=$(cat "$PAIR_RECORD")
    bash scripts/testenv/pg-pair.sh stop "$d" >/dev/null 2>&1 || true
    rm -rf "$d"
    rm -f "$PAIR_RECORD"
  fi
}
stop_pair
rm -rf "$DIR"
mkdir -p "$DIR"
export DATABASE_URL="file:$DIR/app.db"
export APP_KEY_FILE="$DIR/secret.key"
export APP_SETUP_TOKEN_FILE="$DIR/setup-token"
export ADMIN_LOGIN="${E2E_ADMIN_LOGIN:-admin}"
export ADMIN_PASSWORD="${E2E_ADMIN_PASSWORD:-e2e-admin-password}"
export NEXT_TELEMETRY_DISABLED=1
export REPLICATION_POLL_MS="${REPLICATION_POLL_MS:-1000}"
npx prisma migrate deploy >/dev/null
npx tsx prisma/seed.ts
PAIR_DIR=$(mktemp -d /tmp/bhd-e2e-pgpair-XXXXXX)
echo "$PAIR_DIR" >"$PAIR_RECORD"
trap stop_pair EXIT
npx tsx scripts/testenv/e2e-pg-pair.ts "$PAIR_DIR" "$DIR/pgpair.json"
# The app's own server (what `npm run demo` runs): `next start` plus the client address for the audit log, with the server limits.
HOST=127.0.0.1 PORT="$PORT" node --require ./scripts/http-limits.cjs scripts/serve.mjs &
NEXT_PID=$!
trap 'kill -TERM "$NEXT_PID" 2>/dev/null || true' TERM INT
set +e
wait "$NEXT_PID"
wait "$NEXT_PID" 2>/dev/null
exit 0
