#!/usr/bin/env bash
# A throwaway PostgreSQL for the test suite, then a command run against it.
#
#   scripts/with-postgres.sh npm test          # start (installing if needed), run, stop what it started
#   eval "$(scripts/with-postgres.sh --start)" # start and print `export TICKETING_TEST_POSTGRES_URL=…`
#   scripts/with-postgres.sh --stop
#
# The server is a cluster of its own (not Debian's `main`), in $TICKETING_PG_DIR, listening on
# 127.0.0.1 only, with fsync off: test data, not data to keep. It has a role `ticketing` (password
# `ticketing`, CREATEDB: every test suite creates and drops its own database) and a database
# `ticketing_test`. When PostgreSQL is not installed and we are root on Debian, it is installed from
# Debian's packages. Idempotent: a server this script already started is reused.
#
# Settings: TICKETING_PG_DIR (default ${TMPDIR:-/tmp}/ticketing-test-postgres-<uid>), TICKETING_PG_PORT
# (default 5432, or the next free port up to 5452 when taken). When TICKETING_TEST_POSTGRES_URL is
# already set, that server is used as it is and nothing is installed or started.
set -euo pipefail

say() { printf 'with-postgres: %s\n' "$*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

mode=run
case "${1:-}" in
  --start) mode=start ;;
  --stop) mode=stop ;;
  -h | --help)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  '') die "usage: $0 <command> [args…] | --start | --stop" ;;
esac

if [[ $mode != stop && -n ${TICKETING_TEST_POSTGRES_URL:-} ]]; then
  say "TICKETING_TEST_POSTGRES_URL is set: using that server as it is"
  if [[ $mode == start ]]; then
    printf 'export TICKETING_TEST_POSTGRES_URL=%q\n' "$TICKETING_TEST_POSTGRES_URL"
    exit 0
  fi
  exec "$@"
fi

dir=${TICKETING_PG_DIR:-${TMPDIR:-/tmp}/ticketing-test-postgres-$(id -u)}
data=$dir/data
role=ticketing
password=ticketing
database=ticketing_test
seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }

find_bindir() {
  local candidate
  if command -v pg_ctl > /dev/null && command -v initdb > /dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  # Debian keeps the server binaries out of PATH, one directory per major version: take the newest.
  candidate=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1 || true)
  [[ -n $candidate && -x $candidate/pg_ctl ]] && echo "$candidate"
}

bindir=$(find_bindir || true)

stop_server() {
  if [[ -n $bindir && -f $data/postmaster.pid ]]; then
    local cluster_owner
    cluster_owner=$(stat -c %U "$data")
    if [[ $(id -u) == 0 && $cluster_owner != root ]]; then
      runuser -u "$cluster_owner" -- "$bindir/pg_ctl" stop -D "$data" -m fast -w > /dev/null
    else
      "$bindir/pg_ctl" stop -D "$data" -m fast -w > /dev/null
    fi
    say "stopped the server in $data"
  else
    say "no server running in $data"
  fi
}

if [[ $mode == stop ]]; then
  stop_server
  exit 0
fi

if [[ -z $bindir ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
    started_install=$(seconds)
    say "PostgreSQL is not installed: installing it from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
    say "installed PostgreSQL in $(elapsed "$started_install") s"
    bindir=$(find_bindir || true)
    [[ -n $bindir ]] || die "postgresql is installed but pg_ctl/initdb were not found under /usr/lib/postgresql"
  else
    die "PostgreSQL (initdb, pg_ctl) is not installed and this user cannot install it: install the postgresql \
package, or point TICKETING_TEST_POSTGRES_URL at a server (role with CREATEDB)"
  fi
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
if [[ $(id -u) == 0 ]]; then
  id postgres > /dev/null 2>&1 || die "running as root, but there is no 'postgres' user to own the cluster"
  owner=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

started_server=$(seconds)
mkdir -p "$(dirname "$dir")"
if [[ ! -d $dir ]]; then
  mkdir -p "$dir"
  chmod 700 "$dir"
  [[ $owner == "$(id -un)" ]] || chown "$owner:" "$dir"
fi
# Two invocations at once (two terminals) must not both run initdb or pg_ctl start.
exec 9> "$dir.lock"
flock 9

port_in_use() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
running() { as_owner "$bindir/pg_ctl" status -D "$data" > /dev/null 2>&1; }

if [[ ! -f $data/PG_VERSION ]]; then
  say "creating a cluster in $data"
  as_owner "$bindir/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }
  port=${TICKETING_PG_PORT:-5432}
  last=$((port + 20))
  while port_in_use "$port"; do
    ((port < last)) || die "ports ${TICKETING_PG_PORT:-5432}..$last are all taken; set TICKETING_PG_PORT"
    port=$((port + 1))
  done
  as_owner tee -a "$data/postgresql.conf" > /dev/null << EOF

# scripts/with-postgres.sh: a server for tests only
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi
port=$(sed -n "s/^port = \([0-9]*\)$/\1/p" "$data/postgresql.conf" | tail -n 1)
[[ -n $port ]] || die "no port in $data/postgresql.conf"

started_now=false
if running; then
  say "reusing the server already running in $data (port $port)"
else
  if [[ -n ${TICKETING_PG_PORT:-} && $TICKETING_PG_PORT != "$port" ]]; then
    say "note: the cluster in $data listens on $port, not TICKETING_PG_PORT=$TICKETING_PG_PORT"
  fi
  port_in_use "$port" && die "port $port is taken by another server; remove $dir or set TICKETING_PG_DIR"
  as_owner "$bindir/pg_ctl" start -D "$data" -l "$dir/server.log" -w -t 60 > /dev/null || {
    tail -n 30 "$dir/server.log" >&2 || true
    die "the PostgreSQL server in $data did not start (log above: $dir/server.log)"
  }
  started_now=true
fi

psql_admin() { as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"; }
psql_admin > /dev/null << EOF || die "could not create the role $role and the database $database"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $database OWNER $role' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$database') \gexec
EOF
if $started_now; then
  # Nobody else can be using a server this run just started: drop what killed test runs left behind.
  psql_admin -At -c "SELECT datname FROM pg_database WHERE datname LIKE 'rs\_%'" | while read -r stale; do
    psql_admin -c "DROP DATABASE IF EXISTS \"$stale\" WITH (FORCE)" > /dev/null
  done
fi

url="postgres://$role:$password@127.0.0.1:$port/$database"
PGPASSWORD=$password "$bindir/psql" -X -q -At -h 127.0.0.1 -p "$port" -U "$role" -d "$database" -c 'select 1' > /dev/null ||
  die "the server is up but $role cannot connect over TCP to 127.0.0.1:$port/$database"
flock -u 9
say "PostgreSQL $("$bindir/postgres" --version | awk '{ print $3 }') ready on 127.0.0.1:$port in $(elapsed "$started_server") s"

if [[ $mode == start ]]; then
  printf 'export TICKETING_TEST_POSTGRES_URL=%q\n' "$url"
  exit 0
fi

if $started_now; then
  trap 'stop_server || true' EXIT
fi
export TICKETING_TEST_POSTGRES_URL=$url
status=0
"$@" || status=$?
exit "$status"
