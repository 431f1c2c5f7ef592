#!/usr/bin/env bash
# Workshop load (`make bench`): a validation workshop on gunicorn (2 workers, production settings) and a
# fresh PostgreSQL database with the demo. WORKSHOP_PARTICIPANTS (60) people answer WORKSHOP_ITEMS (30)
# items each through the real pages — half through personal links, half through the open link from one
# address, rate-limited in Redis as in production — while the projector polls its tallies
# (benchmarks/workshop/driver.py). Prints p50/p99 per kind of request and the errors, with the machine's
# load average; the goal is 0 errors and p99 < 500 ms.
#
# Environment: WORKSHOP_PARTICIPANTS, WORKSHOP_ITEMS, WORKSHOP_THINK ("1 3": seconds between items),
# LOAD_PORT (8766), CONSULTATION_CACHE_URL (redis://127.0.0.1:6379/5), PGHOST/PGPORT/PGUSER.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PORT=${LOAD_PORT:-8766}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export WORKSHOP_PARTICIPANTS=${WORKSHOP_PARTICIPANTS:-60}
export WORKSHOP_ITEMS=${WORKSHOP_ITEMS:-30}
THINK=${WORKSHOP_THINK:-1 3}
DB="roamx_workshop_$$"
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d -t roamx-workshop-XXXXXX)
GUNICORN_PID=""

cleanup() {
  if [[ -n $GUNICORN_PID ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill "$GUNICORN_PID"
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  echo "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
fi
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -q -c "CREATE DATABASE $DB"
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
export VAR_DIR="$WORK/var"

echo "Setting up $DB: migrate, framework, demo, a consultation of $WORKSHOP_ITEMS items"
DEBUG=1 "$BIN/python" manage.py migrate --noinput -v 0
DEBUG=1 "$BIN/python" manage.py load_framework >/dev/null
DEBUG=1 "$BIN/python" manage.py seed_demo >/dev/null
export LINKS_FILE="$WORK/links"
CONSULTATION=$(DEBUG=1 "$BIN/python" manage.py shell --no-imports < benchmarks/workshop/setup.py | tail -1)

# Production settings, except what needs TLS: there is none on 127.0.0.1.
export DEBUG=0
export SECRET_KEY="workshop-benchmark-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
export LOG_LEVEL=WARNING
export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60}
export CONSULTATION_CACHE_URL=${CONSULTATION_CACHE_URL:-redis://127.0.0.1:6379/5}
"$BIN/python" manage.py collectstatic --noinput -v 0
export WEB_CONCURRENCY=2 GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_MAX_REQUESTS=0
"$BIN/gunicorn" --config gunicorn.conf.py --access-logfile /dev/null --error-logfile "$WORK/gunicorn.log" &
GUNICORN_PID=$!
for _ in $(seq 60); do
  curl -s -o /dev/null "$BASE/accounts/login/" && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$WORK/gunicorn.log"; exit 1; }
  sleep 0.5
done

# The lead's projector session.
JAR="$WORK/cookies.txt"
TOKEN=$(curl -s -c "$JAR" "$BASE/accounts/login/" | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$JAR" -c "$JAR" -o /dev/null -e "$BASE/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$TOKEN" --data-urlencode "username=lead" \
  --data-urlencode "password=roamx-demo" "$BASE/accounts/login/"
SESSION=$(awk '$6 == "sessionid" {print $7}' "$JAR")
[[ -n $SESSION ]] || { echo "Sign-in failed: no session cookie" >&2; exit 1; }

echo "Machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) before the workshop"
# shellcheck disable=SC2086
set +e
"$BIN/python" benchmarks/workshop/driver.py "$BASE" "$LINKS_FILE" --items "$WORKSHOP_ITEMS" \
  --tallies "/a/khm-2023/consultations/$CONSULTATION/tallies.json" --cookie "sessionid=$SESSION" --think $THINK
status=$?
set -e
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -s $WORK/gunicorn.log ]]; then echo "gunicorn log:"; tail -20 "$WORK/gunicorn.log"; fi
exit $status
