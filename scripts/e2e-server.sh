#!/usr/bin/env bash
# Serves the built app for the browser tests: a fresh SQLite database, migrated and loaded with the
# demo topology, and a first admin from the environment. Needs `next build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-3210}"
DIR="$PWD/.testenv/e2e-$PORT"
rm -rf "$DIR"
mkdir -p "$DIR"
export DATABASE_URL="file:$DIR/app.db"
export APP_KEY_FILE="$DIR/secret.key"
export APP_SETUP_TOKEN_FILE="$DIR/setup-token"
export ADMIN_LOGIN="${E2E_ADMIN_LOGIN:-admin}"
export ADMIN_PASSWORD="${E2E_ADMIN_PASSWORD:-e2e-admin-password}"
export NEXT_TELEMETRY_DISABLED=1
npx prisma migrate deploy >/dev/null
npx tsx prisma/seed.ts
exec node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$PORT"
