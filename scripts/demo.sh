#!/usr/bin/env bash
# One command from a fresh clone to a running dashboard with the demo topology on http://localhost:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
PORT="${PORT:-3000}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm packages"
  npm ci --no-audit --no-fund
fi
echo "==> generating the database client"
npx prisma generate >/dev/null
# data/ holds the database (password hashes, encrypted secrets), the secret key and the setup token:
# owner only. The app creates it 0700 and the database 0600 too (lib/db/url.ts); this covers an
# existing checkout whose data/ was made with the default umask.
install -d -m 0700 data
chmod 0700 data
echo "==> migrating the embedded database (${DATABASE_URL:-data/app.db})"
npx prisma migrate deploy
echo "==> loading the demo topology (only into an empty database)"
npx tsx prisma/seed.ts
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib -newer .next/BUILD_ID -type f -print -quit)" ]; then
  echo "==> building the app"
  npx next build
fi
if [ -z "${ADMIN_PASSWORD:-}" ]; then
  echo "==> no ADMIN_PASSWORD set: on first start the server writes a one-time setup token to data/setup-token;"
  echo "    open http://localhost:${PORT}/setup and enter it to create the first admin."
fi
echo "==> serving on http://localhost:${PORT}"
# scripts/http-limits.cjs: request and body timeouts, the body cap, the peer address (see the file).
exec node --require ./scripts/http-limits.cjs node_modules/next/dist/bin/next start -p "$PORT"
