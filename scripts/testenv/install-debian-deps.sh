#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: PostgreSQL 15,
# OpenSSH server, Bacula 15 (bookworm-backports) and Chromium.
# Idempotent: does nothing when everything is already present.
#
# Bacula's catalog backends: Debian ships one library per database (bacula-common-sqlite3 and
# bacula-common-pgsql both provide /usr/lib/bacula/libbaccats-15.0.3.so, so they conflict). The
# SQLite flavour is installed (the Director tests that need no PostgreSQL use it); the PostgreSQL
# flavour -- the same Debian packages, fetched with `apt-get download` -- is unpacked with
# `dpkg-deb -x` into $BACULA_PGSQL_ROOT (default /opt/bacula-pgsql), not installed. bacula-dir's
# RUNPATH is /usr/lib/bacula, and LD_LIBRARY_PATH comes before a RUNPATH: a Director started with
# LD_LIBRARY_PATH=$BACULA_PGSQL_ROOT/usr/lib/bacula runs on PostgreSQL, and the catalog scripts
# (make_postgresql_tables ...) are under $BACULA_PGSQL_ROOT/usr/share/bacula-director.
set -euo pipefail

PGSQL_ROOT=${BACULA_PGSQL_ROOT:-/opt/bacula-pgsql}

need=()
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need+=(postgresql-15 postgresql-client-15)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
# openssl: certificates for the TLS cases of the File Daemon checks (lib/config/import-fd.test.ts) and of bconsole against a TLS Director (test/bacula-e2e/console-tls.test.ts).
[ -x /usr/bin/openssl ] || need+=(openssl)
[ -x /usr/bin/chromium ] || need+=(chromium)
bacula_ok=0
if command -v bdirjson >/dev/null 2>&1 || [ -x /usr/sbin/bdirjson ]; then
  if dpkg-query -W -f='${Version}' bacula-common 2>/dev/null | grep -q '^15\.'; then bacula_ok=1; fi
fi

dpkg-query -W -f='${Status}' libpq5 2>/dev/null | grep -q 'install ok installed' || need+=(libpq5)
pgsql_ok=0
if [ $bacula_ok -eq 1 ] && [ -f "$PGSQL_ROOT/.version" ] && \
   [ "$(cat "$PGSQL_ROOT/.version")" = "$(dpkg-query -W -f='${Version}' bacula-common 2>/dev/null)" ] && \
   [ -f "$PGSQL_ROOT/usr/share/bacula-director/make_postgresql_tables" ]; then
  pgsql_ok=1
fi

if [ ${#need[@]} -eq 0 ] && [ $bacula_ok -eq 1 ] && [ $pgsql_ok -eq 1 ]; then
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
if [ $pgsql_ok -eq 0 ]; then
  ver=$(dpkg-query -W -f='${Version}' bacula-common)
  tmp=$(mktemp -d)
  chmod 755 "$tmp"
  # apt downloads as _apt when it may write there (else it warns and downloads as root).
  $SUDO chown _apt "$tmp" 2>/dev/null || true
  # The same version as the installed bacula-common (the library must match bacula-dir).
  ( cd "$tmp" && $SUDO apt-get download -o Acquire::Retries=3 "bacula-common-pgsql=$ver" "bacula-director-pgsql=$ver" )
  $SUDO rm -rf "$PGSQL_ROOT.new"
  $SUDO mkdir -p "$PGSQL_ROOT.new"
  for deb in "$tmp"/*.deb; do $SUDO dpkg-deb -x "$deb" "$PGSQL_ROOT.new"; done
  echo "$ver" | $SUDO tee "$PGSQL_ROOT.new/.version" >/dev/null
  $SUDO chmod -R a+rX "$PGSQL_ROOT.new"
  $SUDO rm -rf "$PGSQL_ROOT"
  $SUDO mv "$PGSQL_ROOT.new" "$PGSQL_ROOT"
  $SUDO rm -rf "$tmp"
  echo "install-debian-deps: Bacula's PostgreSQL catalog backend $ver unpacked in $PGSQL_ROOT"
fi
echo "install-debian-deps: done"
