#!/usr/bin/env bash
# Throwaway PostgreSQL and MariaDB servers on 127.0.0.1, for the shared-datastore tests.
#
#   servers.sh start    install Debian's postgresql and mariadb-server when missing (root), then start
#                       both (a no-op for one already up); ports are free ones picked at random
#   servers.sh env      print the variables the tests read, for eval: DATASTORE_HOST,
#                       DATASTORE_PG_PORT, DATASTORE_MYSQL_PORT, DATASTORE_ADMIN_USER,
#                       DATASTORE_ADMIN_PASSWORD (the same admin on both servers)
#   servers.sh status   say whether each is up
#   servers.sh stop     stop both and remove everything they had (data, logs, credentials)
#
# Never the system's own instances: each server has its own data directory, its own port and no
# Unix socket the system's clients would find, in $STATE_DIR (default: the cache, keyed by the
# checkout's path). The system's PostgreSQL and MariaDB services are left as they are (stopped).
# As root, PostgreSQL (which refuses to run as root) runs in a user namespace as the postgres user.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CACHE=${K0SMOTRON_FLEET_CACHE:-$HOME/.cache/k0smotron-fleet}
STATE_DIR=${STATE_DIR:-$CACHE/datastore-$(printf '%s' "$repo" | sha256sum | cut -c1-12)}
ADMIN_USER=fleet_admin

# shellcheck source=lab/lib.sh
. "$repo/lab/lib.sh"   # log, die, free_port, pid_running, pid_stop
LAB_LOG_TAG=datastore

pg_bin() {  # the newest installed PostgreSQL's binaries
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)
  [[ -n $dir && -x $dir/postgres ]] && echo "$dir"
}
mysql_server() { command -v mariadbd || command -v mysqld || { [[ -x /usr/sbin/mariadbd ]] && echo /usr/sbin/mariadbd; }; }

install_packages() {
  local missing=()
  pg_bin >/dev/null || missing+=(postgresql)
  mysql_server >/dev/null || missing+=(mariadb-server)
  (( ${#missing[@]} )) || return 0
  if (( EUID != 0 )); then
    die "missing: ${missing[*]}; install them as root (apt-get install ${missing[*]}) and run this again"
  fi
  log "installing ${missing[*]} from Debian's packages"
  # Debian starts a package's service on install unless policy-rc.d says no; say no for the time
  # of the install when nothing says it already (the system's instances stay stopped).
  local policy=/usr/sbin/policy-rc.d made_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 0755 "$policy"; made_policy=1
  fi
  local status=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$STATE_DIR/apt.log" 2>&1 || status=$?
  [[ -z $made_policy ]] || rm -f "$policy"
  if (( status )); then tail -n 20 "$STATE_DIR/apt.log" >&2; die "apt-get failed (log: $STATE_DIR/apt.log)"; fi
}

# As root, run PostgreSQL's programs as the postgres user inside a user namespace: the files stay
# root's outside it, and nothing outside the cache is touched.
as_pg() {
  if (( EUID == 0 )); then
    unshare --user --map-user="$(id -u postgres)" --map-group="$(id -g postgres)" -- "$@"
  else
    "$@"
  fi
}

admin_password() {
  if [[ ! -s $STATE_DIR/admin.password ]]; then
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$STATE_DIR/admin.password")
  fi
  cat "$STATE_DIR/admin.password"
}

pg_pid_file() { echo "$STATE_DIR/pg/data/postmaster.pid"; }
pg_running() { [[ -f $(pg_pid_file) ]] && kill -0 "$(head -n1 "$(pg_pid_file)")" 2>/dev/null; }

start_pg() {
  local bin port waited=0
  bin=$(pg_bin) || die "no PostgreSQL server found under /usr/lib/postgresql"
  if pg_running; then log "PostgreSQL already up on port $(cat "$STATE_DIR/pg/port")"; return 0; fi
  mkdir -p "$STATE_DIR/pg"
  if [[ ! -f $STATE_DIR/pg/data/PG_VERSION ]]; then
    rm -rf "$STATE_DIR/pg/data"
    log "initdb ($("$bin/postgres" --version)) in $STATE_DIR/pg/data"
    as_pg "$bin/initdb" -D "$STATE_DIR/pg/data" -U "$ADMIN_USER" --pwfile="$STATE_DIR/admin.password" \
      --auth=scram-sha-256 -E UTF8 --locale=C >"$STATE_DIR/pg/initdb.log" 2>&1 \
      || { tail -n 20 "$STATE_DIR/pg/initdb.log" >&2; die "initdb failed"; }
  fi
  port=$(free_port); echo "$port" > "$STATE_DIR/pg/port"
  log "starting PostgreSQL on 127.0.0.1:$port"
  # pg_ctl leaves the server running in the background (in the namespace, as root).
  as_pg "$bin/pg_ctl" -D "$STATE_DIR/pg/data" -l "$STATE_DIR/pg/server.log" -s \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c fsync=off" start \
    || { tail -n 20 "$STATE_DIR/pg/server.log" >&2; die "PostgreSQL did not start"; }
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    (( waited < 60 )) || { tail -n 20 "$STATE_DIR/pg/server.log" >&2; die "PostgreSQL not ready after 60 s"; }
    sleep 0.5; waited=$((waited + 1))
  done
}

start_mysql() {
  local server install_db port dir=$STATE_DIR/mysql waited=0
  server=$(mysql_server) || die "no MariaDB or MySQL server found"
  install_db=$(command -v mariadb-install-db || command -v mysql_install_db) || die "no mariadb-install-db found"
  if pid_running "$dir/server.pid"; then log "MariaDB already up on port $(cat "$dir/port")"; return 0; fi
  mkdir -p "$dir"
  if [[ ! -d $dir/data/mysql ]]; then
    rm -rf "$dir/data"
    log "mariadb-install-db in $dir/data"
    "$install_db" --no-defaults --datadir="$dir/data" --user="$(id -un)" --skip-test-db \
      --auth-root-authentication-method=socket >"$dir/install.log" 2>&1 \
      || { tail -n 20 "$dir/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  # The admin, made (or reset) at every start; the file holds the password and stays 0600.
  (
    umask 077
    printf "CREATE USER IF NOT EXISTS '%s'@'127.0.0.1' IDENTIFIED BY '%s';\n" "$ADMIN_USER" "$(admin_password)"
    printf "ALTER USER '%s'@'127.0.0.1' IDENTIFIED BY '%s';\n" "$ADMIN_USER" "$(admin_password)"
    printf "GRANT ALL PRIVILEGES ON *.* TO '%s'@'127.0.0.1' WITH GRANT OPTION;\n" "$ADMIN_USER"
    printf "DROP USER IF EXISTS ''@'localhost';\n"
    printf '[client]\nuser=%s\npassword=%s\n' "$ADMIN_USER" "$(admin_password)" > "$dir/client.cnf"
  ) > "$dir/init.sql"
  port=$(free_port); echo "$port" > "$dir/port"
  log "starting $(basename "$server") on 127.0.0.1:$port"
  "$server" --no-defaults --datadir="$dir/data" --user="$(id -un)" --bind-address=127.0.0.1 --port="$port" \
    --socket="$dir/server.sock" --pid-file="$dir/server.pid" --skip-name-resolve --init-file="$dir/init.sql" \
    --log-error="$dir/server.log" --innodb-buffer-pool-size=32M --performance-schema=OFF \
    </dev/null >/dev/null 2>&1 &
  echo $! > "$dir/server.pid"
  until mariadb-admin --defaults-extra-file="$dir/client.cnf" -h 127.0.0.1 -P "$port" --connect-timeout=2 \
      ping >/dev/null 2>&1; do
    pid_running "$dir/server.pid" || { tail -n 20 "$dir/server.log" >&2; die "MariaDB exited"; }
    (( waited < 60 )) || { tail -n 20 "$dir/server.log" >&2; die "MariaDB not ready after 60 s"; }
    sleep 0.5; waited=$((waited + 1))
  done
}

start() {
  local began
  began=$(date +%s)
  mkdir -p "$STATE_DIR"; chmod 0700 "$STATE_DIR"
  install_packages
  admin_password >/dev/null
  start_pg
  start_mysql
  log "up in $(( $(date +%s) - began ))s ($STATE_DIR)"
}

stop() {
  local pid _
  if pg_running; then
    pid=$(head -n1 "$(pg_pid_file)")
    kill -INT "$pid" 2>/dev/null || true   # fast shutdown
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  pid_stop "$STATE_DIR/mysql/server.pid"
  rm -rf "$STATE_DIR"
  log "stopped, state removed"
}

print_env() {
  [[ -f $STATE_DIR/pg/port && -f $STATE_DIR/mysql/port ]] || die "not started: run $0 start"
  printf 'export DATASTORE_HOST=127.0.0.1\n'
  printf 'export DATASTORE_PG_PORT=%q\n' "$(cat "$STATE_DIR/pg/port")"
  printf 'export DATASTORE_MYSQL_PORT=%q\n' "$(cat "$STATE_DIR/mysql/port")"
  printf 'export DATASTORE_ADMIN_USER=%q\n' "$ADMIN_USER"
  printf 'export DATASTORE_ADMIN_PASSWORD=%q\n' "$(cat "$STATE_DIR/admin.password")"
}

status() {
  local up=0
  if pg_running; then echo "postgresql: up on 127.0.0.1:$(cat "$STATE_DIR/pg/port")"; else echo "postgresql: down"; up=1; fi
  if pid_running "$STATE_DIR/mysql/server.pid"; then
    echo "mariadb: up on 127.0.0.1:$(cat "$STATE_DIR/mysql/port")"
  else
    echo "mariadb: down"; up=1
  fi
  return "$up"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) status ;;
  *) usage_from_header "$0" >&2; exit 2 ;;
esac
