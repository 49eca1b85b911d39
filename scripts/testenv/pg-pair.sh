#!/usr/bin/env bash
# Builds (and tears down) a real PostgreSQL 15 primary + hot standby pair on loopback,
# for tests of catalog replication monitoring, promotion and the UI.
#
#   pg-pair.sh start DIR PRIMARY_PORT STANDBY_PORT
#       initdb a primary in DIR/primary (scram-sha-256 on TCP, peer for the postgres OS user on
#       the socket), listen on 127.0.0.1 only, sockets in DIR/sock, create the replication role,
#       the monitoring role `bacula_monitor` (member of pg_monitor) and the `bacula` database,
#       then clone a hot standby into DIR/standby with
#       `pg_basebackup -R -X stream -C -S <slot>` and wait until it streams.
#       The last line on stdout is KEY=VALUE facts (also written to DIR/pair.env).
#   pg-pair.sh stop DIR                       immediate stop of both members (tolerant).
#   pg-pair.sh stop-node DIR primary|standby  immediate stop of one member (tolerant).
#   pg-pair.sh start-node DIR primary|standby start one member again (waits for connections).
#   pg-pair.sh status DIR                     prints "primary=up|down standby=up|down".
#
# Environment (all optional):
#   PG_BIN                      PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   PG_PAIR_SUPERUSER_PASSWORD  password of the `postgres` superuser (default: random)
#   PG_PAIR_REPL_USER           replication role (default replicator)
#   PG_PAIR_REPL_PASSWORD       its password (default: random)
#   PG_PAIR_MONITOR_PASSWORD    password of `bacula_monitor` (default monitor-secret)
#   PG_PAIR_SLOT                physical slot name used by the standby (default standby1_slot)
#   PG_PAIR_WAIT_SECONDS        how long to wait for streaming (default 30)
#   PG_PAIR_STANDBY             0: the primary alone (a single cluster, e.g. the app's own test database)
#   PG_PAIR_MAX_CONNECTIONS     max_connections of both members (default 40)
#
# Everything runs as the `postgres` OS user; DIR is created and chowned to it. DIR's parent
# directories must be traversable by postgres (use /tmp). Requires root (runuser) or being postgres.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
MONITOR_USER=bacula_monitor
SUPERUSER=postgres
DATABASE=bacula

die() { echo "pg-pair: $*" >&2; exit 1; }

usage() {
  sed -n '2,16p' "$0" >&2
  exit 2
}

as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

now_ms() { date +%s%3N; }

# PG_PAIR_TRACE=1: step timings on stderr.
T_LAST=
trace() {
  [ "${PG_PAIR_TRACE:-0}" = 1 ] || return 0
  local t; t=$(now_ms)
  echo "pg-pair: +$(( t - ${T_LAST:-$t} )) ms before: $*" >&2
  T_LAST=$t
}

randpw() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

check_bins() {
  local b
  for b in initdb pg_ctl pg_basebackup postgres psql; do
    [ -x "$PG_BIN/$b" ] || die "PostgreSQL binary $PG_BIN/$b not found (install postgresql-15, or set PG_BIN)"
  done
  id postgres >/dev/null 2>&1 || die "OS user postgres does not exist (install postgresql-15)"
  if [ "$(id -un)" != postgres ] && [ "$(id -u)" -ne 0 ]; then
    die "must run as root (to runuser -u postgres) or as postgres"
  fi
}

# psql as the superuser over the unix socket (peer auth), stdin = SQL.
psql_sock() {
  local port=$1; shift
  as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p "$port" -U "$SUPERUSER" -d postgres -v ON_ERROR_STOP=1 -At "$@"
}

node_running() {
  local data=$1
  [ -f "$data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

stop_node() {
  local data=$1
  [ -d "$data" ] || return 0
  if [ -f "$data/postmaster.pid" ]; then
    # A test may have frozen the postmaster (SIGSTOP): wake it so it can obey the stop.
    local pid; pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]]; then kill -CONT "$pid" 2>/dev/null || true; fi
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  fi
}

start_node() {
  local data=$1 log=$2
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 30 start >/dev/null \
    || { tail -n 30 "$log" >&2 || true; die "could not start $data (log: $log)"; }
}

cmd_start() {
  [ $# -eq 3 ] || usage
  local dir=$1 pport=$2 sport=$3
  [[ $pport =~ ^[0-9]+$ && $sport =~ ^[0-9]+$ ]] || die "ports must be numbers"
  [ "$pport" != "$sport" ] || die "primary and standby ports must differ"
  check_bins
  local t0; t0=$(now_ms)
  trace start

  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/primary" ] && [ ! -e "$dir/standby" ] || die "$dir already holds a pair (stop it and remove the directory first)"
  SOCK=$dir/sock
  mkdir -p "$SOCK" "$dir/log"
  chown -R postgres: "$dir"
  chmod 700 "$dir"
  as_pg test -x "$dir" || die "user postgres cannot enter $dir (choose a directory under /tmp)"

  local su_pw=${PG_PAIR_SUPERUSER_PASSWORD:-$(randpw)}
  local repl_user=${PG_PAIR_REPL_USER:-replicator}
  local repl_pw=${PG_PAIR_REPL_PASSWORD:-$(randpw)}
  local mon_pw=${PG_PAIR_MONITOR_PASSWORD:-monitor-secret}
  local slot=${PG_PAIR_SLOT:-standby1_slot}
  local wait_s=${PG_PAIR_WAIT_SECONDS:-30}
  local primary=$dir/primary standby=$dir/standby

  # --- primary -------------------------------------------------------------------------------
  trace "initdb"
  local pwfile=$dir/.supw
  ( umask 077; printf '%s\n' "$su_pw" >"$pwfile" )
  chown postgres: "$pwfile"
  as_pg "$PG_BIN/initdb" -D "$primary" -U "$SUPERUSER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-host=scram-sha-256 --auth-local=peer --no-sync >"$dir/log/initdb.log" 2>&1 \
    || { cat "$dir/log/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"

  # Settings shared by both members (pg_basebackup copies this file to the standby).
  cat >>"$primary/postgresql.conf" <<EOF

# ---- pg-pair.sh ----
listen_addresses = '127.0.0.1'
port = $pport
unix_socket_directories = '$SOCK'
password_encryption = 'scram-sha-256'
wal_level = replica
wal_log_hints = on
hot_standby = on
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '64MB'
# Test speed only: no fsync, small footprint, standby reports every second.
fsync = off
full_page_writes = on
shared_buffers = '16MB'
max_connections = ${PG_PAIR_MAX_CONNECTIONS:-40}
wal_receiver_status_interval = '1s'
hot_standby_feedback = off
log_line_prefix = '%m [%p] %q%u@%d '
log_connections = off
EOF

  cat >"$primary/pg_hba.conf" <<EOF
# pg-pair.sh: peer on the socket for the postgres OS user, scram-sha-256 on loopback TCP.
local   all             $SUPERUSER                                peer
local   all             all                                     scram-sha-256
host    replication     $repl_user      127.0.0.1/32            scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
EOF
  chown postgres: "$primary/pg_hba.conf" "$primary/postgresql.conf"

  trace "start primary"
  start_node "$primary" "$dir/log/primary.log"

  trace "create roles"
  psql_sock "$pport" -v su_pw="$su_pw" -v repl_user="$repl_user" -v repl_pw="$repl_pw" \
    -v mon_user="$MONITOR_USER" -v mon_pw="$mon_pw" -v db="$DATABASE" >/dev/null <<'SQL'
ALTER ROLE postgres PASSWORD :'su_pw';
CREATE ROLE :"repl_user" WITH LOGIN REPLICATION PASSWORD :'repl_pw';
CREATE ROLE :"mon_user" WITH LOGIN PASSWORD :'mon_pw';
GRANT pg_monitor TO :"mon_user";
CREATE DATABASE :"db";
SQL

  # --- standby -------------------------------------------------------------------------------
  if [ "${PG_PAIR_STANDBY:-1}" != 0 ]; then
  trace "pg_basebackup"
  as_pg env PGPASSWORD="$repl_pw" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U "$repl_user" \
    -D "$standby" -R -X stream -C -S "$slot" -c fast --no-sync >"$dir/log/basebackup.log" 2>&1 \
    || { cat "$dir/log/basebackup.log" >&2; die "pg_basebackup failed"; }
  printf '\n# ---- pg-pair.sh standby ----\nport = %s\n' "$sport" >>"$standby/postgresql.conf"
  chmod 700 "$standby"
  trace "start standby"
  start_node "$standby" "$dir/log/standby.log"

  trace "wait for streaming"
  # Wait until both sides agree the standby streams.
  local deadline=$(( $(now_ms) + wait_s * 1000 )) p s
  while :; do
    p=$(echo "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming';" | psql_sock "$pport" 2>/dev/null || echo 0)
    s=$(echo "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming';" | psql_sock "$sport" 2>/dev/null || echo 0)
    if [ "$p" = 1 ] && [ "$s" = 1 ]; then break; fi
    if [ "$(now_ms)" -gt "$deadline" ]; then
      tail -n 20 "$dir/log/standby.log" >&2 || true
      die "standby did not reach streaming within ${wait_s}s (primary rows=$p, receiver=$s)"
    fi
    sleep 0.1
  done
  fi

  trace "done"
  local ms=$(( $(now_ms) - t0 ))
  local facts="PG_PAIR_DIR=$dir PRIMARY_HOST=127.0.0.1 PRIMARY_PORT=$pport PRIMARY_DATA=$primary STANDBY_HOST=127.0.0.1 STANDBY_PORT=$sport STANDBY_DATA=$standby SOCKET_DIR=$SOCK SUPERUSER=$SUPERUSER SUPERUSER_PASSWORD=$su_pw REPL_USER=$repl_user REPL_PASSWORD=$repl_pw MONITOR_USER=$MONITOR_USER MONITOR_PASSWORD=$mon_pw DATABASE=$DATABASE SLOT=$slot PG_BIN=$PG_BIN START_MS=$ms"
  ( umask 077; printf '%s\n' "$facts" >"$dir/pair.env" )
  echo "$facts"
}

node_dir() {
  case $2 in
    primary|standby) echo "$1/$2" ;;
    *) die "member must be primary or standby, got '$2'" ;;
  esac
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local dir=$1
  [ -d "$dir" ] || return 0
  stop_node "$dir/standby"
  stop_node "$dir/primary"
}

cmd_stop_node() {
  [ $# -eq 2 ] || usage
  local data; data=$(node_dir "$1" "$2")
  stop_node "$data"
}

cmd_start_node() {
  [ $# -eq 2 ] || usage
  check_bins
  local data; data=$(node_dir "$1" "$2")
  [ -d "$data" ] || die "$data does not exist"
  node_running "$data" && return 0
  start_node "$data" "$1/log/$2.log"
}

cmd_status() {
  [ $# -eq 1 ] || usage
  local p=down s=down
  node_running "$1/primary" && p=up
  node_running "$1/standby" && s=up
  echo "primary=$p standby=$s"
}

[ $# -ge 1 ] || usage
sub=$1; shift
case $sub in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  stop-node) cmd_stop_node "$@" ;;
  start-node) cmd_start_node "$@" ;;
  status) cmd_status "$@" ;;
  *) usage ;;
esac
