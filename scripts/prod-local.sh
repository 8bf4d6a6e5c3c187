#!/usr/bin/env bash
# The production layout on one machine, on loopback high ports, under var/prod-local/
# (docs/deployment.md, "Trying the layout locally"):
#
#   nginx :PL_NGINX ─┬─ gunicorn :PL_APP1 ─┐                       ┌─ PostgreSQL primary :PL_PG1
#                    └─ gunicorn :PL_APP2 ─┼─ PgBouncer :PL_BOUNCER ┘   (initdb --data-checksums,
#                      linli worker ───────┘                              WAL archived to wal-archive/)
#                      reads of boards, lists, exports, stats ──── replica :PL_PG2 (pg_basebackup -R)
#
#   scripts/prod-local.sh start    build and start everything (a fresh, seeded database)
#   scripts/prod-local.sh stop     stop everything it started (by pid file), keep the files
#   scripts/prod-local.sh status   what is running
#   scripts/prod-local.sh env      print the app's environment (source it to run `linli …`)
#   scripts/prod-local.sh clean    stop, then delete var/prod-local
#
# PostgreSQL and PgBouncer refuse to run as root: as root they run as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PL=${PL_DIR:-$ROOT/var/prod-local}
BIN=$ROOT/.venv/bin
# The checkout's own code (python -m from the repository), whatever the venv has installed.
LINLI="$BIN/python -m linli.cli"
PL_PG1=${PL_PG1:-25432}
PL_PG2=${PL_PG2:-25433}
PL_BOUNCER=${PL_BOUNCER:-26432}
PL_APP1=${PL_APP1:-28001}
PL_APP2=${PL_APP2:-28002}
PL_NGINX=${PL_NGINX:-28080}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
PGBOUNCER=${PGBOUNCER:-$(command -v pgbouncer || echo /usr/sbin/pgbouncer)}

# Where PostgreSQL's and PgBouncer's files live: under $PL, unless (as root) the postgres user
# cannot reach it (a checkout under /root): then a directory of its own under /tmp, named in
# $PL/pgroot so that stop and the smoke test find it.
PGR=$PL
if [ -f "$PL/pgroot" ]; then PGR=$(cat "$PL/pgroot"); fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

log() { echo "prod-local: $*"; }

app_env() {
  cat <<EOF
export DJANGO_SETTINGS_MODULE=config.settings.base
export DATABASE_URL=postgres://linli_app@127.0.0.1:$PL_BOUNCER/linli
export LINLI_REPLICA_URL=postgres://linli_app@127.0.0.1:$PL_PG2/linli
export LINLI_PGBOUNCER=1
export LINLI_SECRET_KEY=$(cat "$PL/secret_key" 2>/dev/null || echo unset)
export LINLI_ALLOWED_HOSTS=127.0.0.1,localhost
export LINLI_CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$PL_NGINX
export LINLI_SECURE=0
export LINLI_TRUSTED_PROXY_COUNT=1
export LINLI_VAR_DIR=$PL
export LINLI_X_ACCEL_REDIRECT=/_protected/
export LINLI_LOG_FORMAT=json
export LINLI_REPLICA_STICKY_SECONDS=5
EOF
}

pg_conf() {  # $1 data dir, $2 port
  cat >>"$1/postgresql.conf" <<EOF
port = $2
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGR/run'
wal_level = replica
max_wal_senders = 5
hot_standby = on
archive_mode = on
archive_command = 'test ! -f $PGR/wal-archive/%f && cp %p $PGR/wal-archive/%f'
archive_timeout = 60
shared_buffers = 64MB
fsync = on
logging_collector = off
EOF
}

wait_pg() {  # $1 port
  for _ in $(seq 1 60); do
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.5
  done
  echo "PostgreSQL on :$1 did not answer" >&2
  return 1
}

wait_http() {  # $1 url
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "$1 did not answer" >&2
  return 1
}

start() {
  for tool in "$PGBIN/initdb" "$NGINX" "$PGBOUNCER"; do
    [ -x "$tool" ] || { echo "missing $tool: run scripts/system-deps.sh" >&2; exit 2; }
  done
  if [ -f "$PL/run/nginx.pid" ] || [ -f "$PGR/pg-primary/postmaster.pid" ]; then
    echo "prod-local is already running (scripts/prod-local.sh stop first)" >&2
    exit 1
  fi
  if [ "$PGR" != "$PL" ]; then rm -rf "$PGR"; fi
  rm -rf "$PL"
  mkdir -p "$PL"/{run,logs,media,static,nginx}
  PGR=$PL
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PL"
    if ! runuser -u postgres -- test -w "$PL"; then
      PGR=$(mktemp -d /tmp/linli-prod-local.XXXXXX)
      echo "$PGR" >"$PL/pgroot"
    fi
  fi
  mkdir -p "$PGR"/{run,logs,wal-archive,pgbouncer}
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$PGR"; fi
  head -c 48 /dev/urandom | base64 | tr -d '/+=\n' >"$PL/secret_key"

  log "PostgreSQL primary :$PL_PG1 (initdb --data-checksums)"
  as_pg "$PGBIN/initdb" --data-checksums -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -D "$PGR/pg-primary" >/dev/null
  pg_conf "$PGR/pg-primary" "$PL_PG1"
  echo "host replication all 127.0.0.1/32 trust" | as_pg tee -a "$PGR/pg-primary/pg_hba.conf" >/dev/null
  as_pg "$PGBIN/pg_ctl" -w -s -D "$PGR/pg-primary" -l "$PGR/logs/pg-primary.log" start
  wait_pg "$PL_PG1"
  psql_() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PL_PG1" -U postgres "$@"; }
  psql_ -c "CREATE ROLE linli_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS" \
        -c "CREATE DATABASE linli OWNER linli_owner"

  log "migrate (as linli_owner), the application role, static files, the smoke's community"
  local owner_url=postgres://linli_owner@127.0.0.1:$PL_PG1/linli
  (eval "$(app_env)"; export DATABASE_URL=$owner_url; unset LINLI_REPLICA_URL LINLI_PGBOUNCER
   $LINLI migrate --noinput -v 0
   $LINLI collectstatic --noinput -v 0)
  psql_ -d linli -f deploy/sql/app_role.sql >/dev/null
  (eval "$(app_env)"; export DATABASE_URL=$owner_url; unset LINLI_REPLICA_URL LINLI_PGBOUNCER
   $LINLI shell -c "exec(open('scripts/prod_local_seed.py').read())" | tail -n 1 >"$PL/seed.json")

  log "streaming replica :$PL_PG2 (pg_basebackup -R)"
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PL_PG1" -U postgres -D "$PGR/pg-replica" -R -X stream -c fast
  as_pg sed -i "s/^port = $PL_PG1/port = $PL_PG2/" "$PGR/pg-replica/postgresql.conf"
  echo "archive_mode = off" | as_pg tee -a "$PGR/pg-replica/postgresql.conf" >/dev/null
  as_pg "$PGBIN/pg_ctl" -w -s -D "$PGR/pg-replica" -l "$PGR/logs/pg-replica.log" start
  wait_pg "$PL_PG2"

  log "PgBouncer :$PL_BOUNCER (transaction pooling)"
  cat >"$PGR/pgbouncer/pgbouncer.ini" <<EOF
[databases]
linli = host=127.0.0.1 port=$PL_PG1 dbname=linli
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PL_BOUNCER
unix_socket_dir =
auth_type = trust
auth_file = $PGR/pgbouncer/userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
pidfile = $PGR/run/pgbouncer.pid
logfile = $PGR/logs/pgbouncer.log
EOF
  echo '"linli_app" ""' >"$PGR/pgbouncer/userlist.txt"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$PGR/pgbouncer"; fi
  as_pg "$PGBOUNCER" -d -q "$PGR/pgbouncer/pgbouncer.ini"
  wait_pg "$PL_BOUNCER"

  log "gunicorn :$PL_APP1 :$PL_APP2, the worker"
  local n port
  for n in 1 2; do
    port=$([ $n -eq 1 ] && echo "$PL_APP1" || echo "$PL_APP2")
    (eval "$(app_env)"
     GUNICORN_BIND=127.0.0.1:$port GUNICORN_WORKERS=${PL_WORKERS:-2} GUNICORN_THREADS=4 \
       "$BIN/gunicorn" -c deploy/gunicorn.conf.py --daemon --pid "$PL/run/web$n.pid" \
       --error-logfile "$PL/logs/web$n.log" --capture-output)
  done
  (eval "$(app_env)"; nohup $LINLI worker --no-startup-delay >"$PL/logs/worker.log" 2>&1 &
   echo $! >"$PL/run/worker.pid")

  log "nginx :$PL_NGINX"
  sed "s#/srv/linli/var#$PL#g" deploy/nginx/linli-locations.conf >"$PL/nginx/linli-locations.conf"
  cat >"$PL/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $PL/run/nginx.pid;
error_log $PL/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  client_body_temp_path $PL/nginx/body;
  proxy_temp_path $PL/nginx/proxy;
  fastcgi_temp_path $PL/nginx/fastcgi;
  uwsgi_temp_path $PL/nginx/uwsgi;
  scgi_temp_path $PL/nginx/scgi;
  $(sed -n '/^log_format/,/;$/p' deploy/nginx/linli.conf)
  access_log $PL/logs/nginx-access.log linli_json;
  upstream linli_app {
    server 127.0.0.1:$PL_APP1 max_fails=1 fail_timeout=5s;
    server 127.0.0.1:$PL_APP2 max_fails=1 fail_timeout=5s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$PL_NGINX;
    server_name localhost 127.0.0.1;
    include $PL/nginx/linli-locations.conf;
  }
}
EOF
  if [ "$(id -u)" -eq 0 ]; then sed -i "1i user root;" "$PL/nginx/nginx.conf"; fi
  "$NGINX" -q -c "$PL/nginx/nginx.conf" -e "$PL/logs/nginx-error.log" 2>/dev/null \
    || "$NGINX" -q -c "$PL/nginx/nginx.conf"
  wait_http "http://127.0.0.1:$PL_APP1/healthz"
  wait_http "http://127.0.0.1:$PL_APP2/healthz"
  wait_http "http://127.0.0.1:$PL_NGINX/healthz"
  log "up: http://127.0.0.1:$PL_NGINX/  (seed: $(cat "$PL/seed.json"))"
}

stop_pid() {  # $1 pid file, $2 name
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

stop() {
  [ -d "$PL" ] || return 0
  stop_pid "$PL/run/nginx.pid" nginx
  stop_pid "$PL/run/worker.pid" worker
  stop_pid "$PL/run/web1.pid" web1
  stop_pid "$PL/run/web2.pid" web2
  stop_pid "$PGR/run/pgbouncer.pid" pgbouncer
  local d
  for d in pitr-restore pg-replica pg-primary; do
    if [ -f "$PGR/$d/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -w -s -D "$PGR/$d" -m fast stop || true
    fi
  done
  log "stopped"
}

status() {
  local f
  for f in "$PL"/run/*.pid "$PGR"/run/*.pid "$PGR"/pg-*/postmaster.pid; do
    [ -f "$f" ] || continue
    local pid; pid=$(head -1 "$f")
    if kill -0 "$pid" 2>/dev/null; then echo "running  $f ($pid)"; else echo "dead     $f ($pid)"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) app_env ;;
  clean) stop; if [ "$PGR" != "$PL" ]; then rm -rf "$PGR"; fi; rm -rf "$PL" ;;
  *) echo "usage: $0 start|stop|status|env|clean" >&2; exit 2 ;;
esac
