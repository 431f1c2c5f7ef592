# Shared by benchmarks/load.sh and benchmarks/workshop.sh (sourced, not run): a fresh PostgreSQL database,
# gunicorn as deployed with production settings, a signed-in session and the workers' CPU counters.
#
# The caller sets DB_PREFIX and PORT before sourcing; it gets ROOT, BIN, BASE, WORK, DB and DATABASE_URL,
# and calls the functions below. Environment: PGHOST/PGPORT/PGUSER (127.0.0.1, 5432, postgres),
# DB_CONN_MAX_AGE (60), LOAD_GUNICORN_ARGS (extra gunicorn flags).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB="${DB_PREFIX}_$$"
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d -t "${DB_PREFIX//_/-}-XXXXXX")
GUNICORN_PID=""

bench_cleanup() {
  if [[ -n $GUNICORN_PID ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill "$GUNICORN_PID"
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

# A fresh database, migrated, with the framework (DATABASE_URL and VAR_DIR exported for what follows).
bench_database() {
  if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
    echo "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
  fi
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -q -c "CREATE DATABASE $DB"
  export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
  export VAR_DIR="$WORK/var"
  # The demo accounts are only created with DEBUG on; the server runs without it.
  DEBUG=1 "$BIN/python" manage.py migrate --noinput -v 0
  DEBUG=1 "$BIN/python" manage.py load_framework >/dev/null
}

# gunicorn as deployed (gunicorn.conf.py, two workers) with production settings, except what needs TLS:
# there is none on 127.0.0.1. Waits until it answers.
bench_gunicorn() {
  export DEBUG=0
  export SECRET_KEY="benchmark-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  export ALLOWED_HOSTS="127.0.0.1,localhost"
  export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
  export LOG_LEVEL=WARNING
  # Persistent connections, as in production (docs/operations.md); the caller may set 0 to compare.
  export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60}
  # Hashed static files, as production serves them (the pages fail without the manifest).
  "$BIN/python" manage.py collectstatic --noinput -v 0
  export WEB_CONCURRENCY=2 GUNICORN_BIND="127.0.0.1:$PORT"
  # No worker recycling mid-run: a restarted worker re-imports the app and resets the CPU counters.
  export GUNICORN_MAX_REQUESTS=0
  # shellcheck disable=SC2086
  "$BIN/gunicorn" --config gunicorn.conf.py ${LOAD_GUNICORN_ARGS:-} \
    --access-logfile /dev/null --error-logfile "$WORK/gunicorn.log" &
  GUNICORN_PID=$!
  for _ in $(seq 60); do
    curl -s -o /dev/null "$BASE/accounts/login/" && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$WORK/gunicorn.log"; exit 1; }
    sleep 0.5
  done
}

# Sign in as a demo account (password roamx-demo); sets SESSION to its session cookie's value.
bench_sign_in() {
  local jar="$WORK/cookies.txt" token
  token=$(curl -s -c "$jar" "$BASE/accounts/login/" | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1)
  [[ -n $token ]] || { echo "No CSRF token on the login page" >&2; exit 1; }
  curl -s -b "$jar" -c "$jar" -o /dev/null -e "$BASE/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=$1" \
    --data-urlencode "password=roamx-demo" "$BASE/accounts/login/"
  SESSION=$(awk '$6 == "sessionid" {print $7}' "$jar")
  [[ -n $SESSION ]] || { echo "Sign-in as $1 failed: no session cookie" >&2; exit 1; }
}

# CPU seconds (user + system, in clock ticks) the gunicorn workers have used so far: unlike latency, the
# CPU time per request hardly changes when other processes compete for the machine.
worker_cpu() {
  local ticks=0 pid
  for pid in $(pgrep -P "$GUNICORN_PID"); do
    [[ -r /proc/$pid/stat ]] || continue
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$ticks"
}

# CPU (clock ticks) the PostgreSQL backends serving this benchmark's database have used so far: the
# database's share of a request (planning and execution), which the workers' figure leaves out. gunicorn
# keeps its connections (DB_CONN_MAX_AGE), so the same backends serve the whole run; PostgreSQL's own
# background processes are not counted.
database_cpu() {
  local ticks=0 pid
  for pid in $(pgrep -f "^postgres: .* $DB "); do
    [[ -r /proc/$pid/stat ]] || continue
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}

load_average() {
  cut -d' ' -f1-3 /proc/loadavg
}
