#!/usr/bin/env bash
# One command from a fresh clone to a running dashboard with the demo topology, on this machine only
# (http://127.0.0.1:3000) unless HOST says otherwise (HOST=0.0.0.0 listens on every interface).
# DEMO_SEED=0 starts with an empty topology; PORT chooses the port.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-3000}"
started=$(date +%s)
step() { echo "==> $* ($(( $(date +%s) - started )) s)"; }

# No compiler involved: every native package (libSQL, argon2) ships its binary inside npm packages.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages"
  npm ci --no-audit --no-fund
fi
if [ ! -f node_modules/.prisma/client/index.js ] || [ prisma/schema.prisma -nt node_modules/.prisma/client/index.js ]; then
  step "generating the database client"
  npx prisma generate >/dev/null
fi
# data/ holds the database (password hashes, encrypted secrets), the secret key and the setup token:
# owner only. The app creates it 0700 and the database 0600 too (lib/db/url.ts); this covers an
# existing checkout whose data/ was made with the default umask.
install -d -m 0700 data
chmod 0700 data
step "migrating the embedded database (${DATABASE_URL:-data/app.db})"
npx prisma migrate deploy
# The demo topology is loaded by the server itself on its first start into an empty database
# (instrumentation.ts), unless DEMO_SEED=0.
# The build is reused until a source file changes.
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib instrumentation.ts next.config.ts package-lock.json -newer .next/BUILD_ID -type f -print -quit)" ]; then
  step "building the app"
  npx next build
fi
if [ -z "${ADMIN_PASSWORD:-}" ]; then
  echo "==> no ADMIN_PASSWORD set: on first start the server writes a one-time setup token to data/setup-token;"
  echo "    open /setup and enter it to create the first admin."
fi
shown="$HOST"; [[ "$HOST" == *:* ]] && shown="[$HOST]"
step "serving on http://${shown}:${PORT}"
# scripts/http-limits.cjs: request and body timeouts and the body cap (see the file).
exec node --require ./scripts/http-limits.cjs scripts/serve.mjs
