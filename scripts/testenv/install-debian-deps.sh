#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: PostgreSQL 15,
# OpenSSH server, Bacula 15 (bookworm-backports) and Chromium.
# Idempotent: does nothing when everything is already present.
set -euo pipefail

need=()
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need+=(postgresql-15 postgresql-client-15)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
bacula_ok=0
if command -v bdirjson >/dev/null 2>&1 || [ -x /usr/sbin/bdirjson ]; then
  if dpkg-query -W -f='${Version}' bacula-common 2>/dev/null | grep -q '^15\.'; then bacula_ok=1; fi
fi

if [ ${#need[@]} -eq 0 ] && [ $bacula_ok -eq 1 ]; then
  echo "install-debian-deps: everything present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Bacula 15 lives in bookworm-backports: add the suite beside bookworm.
src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ] && ! grep -q 'bookworm-backports' "$src"; then
  $SUDO sed -i -E '0,/^Suites: bookworm( |$)/s//Suites: bookworm bookworm-backports\1/' "$src"
fi
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start daemons here: the tests start their own on loopback ports.
if [ ! -f /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# No database is created by dbconfig-common: the tests build their own catalogs.
echo "bacula-director-pgsql bacula-director-pgsql/dbconfig-install boolean false" | $SUDO debconf-set-selections || true
echo "bacula-director-sqlite3 bacula-director-sqlite3/dbconfig-install boolean false" | $SUDO debconf-set-selections || true

$SUDO apt-get update -o Acquire::Retries=3 || true
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi
if [ $bacula_ok -eq 0 ]; then
  $SUDO apt-get install -y --no-install-recommends -t bookworm-backports \
    bacula-common bacula-director bacula-sd bacula-console bacula-fd \
    bacula-director-sqlite3 bacula-common-sqlite3 || \
  $SUDO apt-get install -y --no-install-recommends -t bookworm-backports \
    bacula-common bacula-director bacula-sd bacula-console bacula-fd
fi
echo "install-debian-deps: done"
