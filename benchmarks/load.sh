#!/usr/bin/env bash
# Load benchmark (`make bench`): gunicorn (2 workers, production settings) on a fresh PostgreSQL database
# with the full-scope demo, signed in as the demo researcher; wrk drives the dashboard, a finding's
# review page, the review overview, the finding's admin change form, the findings API and the
# comment-response matrix. Prints rps, p50/p99 latency, errors, the workers' CPU per request and the load
# average per endpoint, and whether the goal holds: no errors, each page's CPU per request within its
# goal (the last field of ENDPOINTS), and the dashboard's p99 under 250 ms.
#
# Environment: LOAD_DURATION (default 30s), LOAD_CONNECTIONS (32), LOAD_THREADS (2), LOAD_PORT (8765),
# LOAD_GUNICORN_ARGS (extra gunicorn flags, e.g. "--threads 4"), DB_CONN_MAX_AGE (passed to the server),
# PGHOST/PGPORT/PGUSER (127.0.0.1, 5432, postgres). See docs/operations.md for reading the figures.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN="$ROOT/.venv/bin"
DURATION=${LOAD_DURATION:-30s}
CONNECTIONS=${LOAD_CONNECTIONS:-32}
THREADS=${LOAD_THREADS:-2}
PORT=${LOAD_PORT:-8765}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB="roamx_load_$$"
BASE="http://127.0.0.1:$PORT"
DASHBOARD_P99_GOAL_MS=250
WORK=$(mktemp -d -t roamx-load-XXXXXX)
GUNICORN_PID=""

# CPU seconds (user + system) the gunicorn workers have used so far: unlike latency, the CPU time
# per request hardly changes when other processes compete for the machine.
worker_cpu() {
  local ticks=0 pid
  for pid in $(pgrep -P "$GUNICORN_PID"); do
    [[ -r /proc/$pid/stat ]] || continue
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$ticks"
}

cleanup() {
  if [[ -n $GUNICORN_PID ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill "$GUNICORN_PID"
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || scripts/system-packages.sh wrk
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  echo "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
fi

psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -q -c "CREATE DATABASE $DB"
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
export VAR_DIR="$WORK/var"

echo "Setting up $DB: migrate, framework, full-scope demo"
# The demo accounts are only created with DEBUG on; the server below runs without it.
DEBUG=1 "$BIN/python" manage.py migrate --noinput -v 0
DEBUG=1 "$BIN/python" manage.py load_framework >/dev/null
DEBUG=1 "$BIN/python" manage.py seed_demo --scope full
FINDING_PK=$(DEBUG=1 "$BIN/python" manage.py shell --no-imports -c \
  "from assessments.models import Finding; print(Finding.objects.get(assessment__code='khm-2023', indicator__code='R.1.1').pk)")
# The public results page needs the results published; the consultation pages a participant's personal link
# with their details given (benchmarks/profile_pages.py does the same).
PARTICIPANT_PATH=$(DEBUG=1 "$BIN/python" -c "import sys; sys.path.insert(0, 'benchmarks'); from profile_pages import public_setup; print(public_setup())" | tail -1)

# Production settings, except what needs TLS: there is none on 127.0.0.1.
export DEBUG=0
export SECRET_KEY="load-benchmark-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
export LOG_LEVEL=WARNING
# Persistent connections, as in production (docs/operations.md); LOAD's caller may set 0 to compare.
export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60}
# Hashed static files, as production serves them (the pages fail without the manifest).
"$BIN/python" manage.py collectstatic --noinput -v 0
# gunicorn as deployed (gunicorn.conf.py), with two workers.
export WEB_CONCURRENCY=2 GUNICORN_BIND="127.0.0.1:$PORT"
# No worker recycling mid-run: a restarted worker re-imports the app and resets the CPU counters read here.
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

echo "Signing in as researcher"
JAR="$WORK/cookies.txt"
TOKEN=$(curl -s -c "$JAR" "$BASE/accounts/login/" | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1)
[[ -n $TOKEN ]] || { echo "No CSRF token on the login page" >&2; exit 1; }
curl -s -b "$JAR" -c "$JAR" -o /dev/null -e "$BASE/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$TOKEN" --data-urlencode "username=researcher" \
  --data-urlencode "password=roamx-demo" "$BASE/accounts/login/"
SESSION=$(awk '$6 == "sessionid" {print $7}' "$JAR")
[[ -n $SESSION ]] || { echo "Sign-in failed: no session cookie" >&2; exit 1; }
COOKIE="Cookie: sessionid=$SESSION"

# name|path|text the page must contain (so a redirect to the login page or an error page is never measured)
# |goal: the most worker CPU (ms) one request may cost (docs/operations.md)
# [|anonymous: requested without the session, as its readers have none]
ENDPOINTS=(
  "dashboard|/a/khm-2023/|Cambodia|5"
  "finding (review page)|/a/khm-2023/review/R.1.1/|R.1.1|8"
  "review overview|/a/khm-2023/review/|R.1.1|10"
  "finding (admin form)|/admin/assessments/finding/$FINDING_PK/change/|R.1.1|25"
  "findings API|/api/assessments/khm-2023/findings/|\"indicator\"|8"
  "comment matrix|/a/khm-2023/review/matrix/|<table class=\"data\"|15"
  "public results|/p/khm-2023/|Cambodia|15|anonymous"
  "consultation (participant)|${PARTICIPANT_PATH}|National validation workshop|10|anonymous"
  "consultation item|${PARTICIPANT_PATH}i/1/|National validation workshop|10|anonymous"
)
# The header each endpoint is requested with: the session, or none for anonymous pages.
header_for() { [[ $1 == anonymous ]] && echo "X-Anonymous: 1" || echo "$COOKIE"; }
for entry in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name path expect _ who <<<"$entry"
  status=$(curl -s -o "$WORK/page" -w '%{http_code}' -H "$(header_for "$who")" "$BASE$path" || true)
  if [[ $status != 200 ]] || ! grep -qF -- "$expect" "$WORK/page"; then
    echo "$name ($path) answered $status without \"$expect\": not measuring a wrong page." >&2
    exit 1
  fi
done

# Warm up both workers (templates, URL resolvers, connections) before measuring.
for entry in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name path _ _ who <<<"$entry"
  wrk -t1 -c2 -d2s -H "$(header_for "$who")" "$BASE$path" >/dev/null
done
# Other processes on this machine take CPU from gunicorn, PostgreSQL and wrk: say how busy it was.
echo "Machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) before measuring"
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per endpoint; gunicorn -w 2 ${LOAD_GUNICORN_ARGS:-}; DB_CONN_MAX_AGE=$DB_CONN_MAX_AGE"
printf '\n%-24s %7s %8s %8s %7s %15s %6s %s\n' "endpoint" "rps" "p50 ms" "p99 ms" "errors" "app CPU ms/req" "goal" "load"
TICKS_PER_SECOND=$(getconf CLK_TCK)
goal=yes
for entry in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name path _ cpu_goal who <<<"$entry"
  cpu_before=$(worker_cpu)
  line=$(wrk --timeout 10s -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$(header_for "$who")" -s benchmarks/load.lua "$BASE$path" | grep '^RESULT')
  declare -A r=()
  for pair in ${line#RESULT }; do r[${pair%%=*}]=${pair#*=}; done
  errors=$((r[socket_errors] + r[non2xx]))
  # No answer at all within the run (every request timed out) is a failure, not a clean zero.
  ((r[requests] > 0)) || errors=$((errors + 1))
  # Let gunicorn finish what wrk left queued, so the next endpoint starts on idle workers.
  sleep 2
  cpu_ms=$(awk -v t=$(($(worker_cpu) - cpu_before)) -v hz="$TICKS_PER_SECOND" -v n="${r[requests]}" \
    'BEGIN {printf "%.1f", n ? 1000 * t / hz / n : 0}')
  cpu_ok=$(awk -v c="$cpu_ms" -v g="$cpu_goal" 'BEGIN {print (c <= g) ? "<=" g : ">" g " !"}')
  printf '%-24s %7s %8s %8s %7s %15s %6s %s\n' "$name" "${r[rps]}" "${r[p50]}" "${r[p99]}" "$errors" "$cpu_ms" \
    "$cpu_ok" "$(cut -d' ' -f1 /proc/loadavg)"
  ((errors == 0)) || goal=no
  [[ $cpu_ok != *'!' ]] || goal=no
  if [[ $name == dashboard ]] && ! awk -v p="${r[p99]}" -v g="$DASHBOARD_P99_GOAL_MS" 'BEGIN {exit !(p < g)}'; then
    goal=no
  fi
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Goal (no errors, each page's CPU within its goal, dashboard p99 < ${DASHBOARD_P99_GOAL_MS} ms): $([[ $goal == yes ]] && echo met || echo NOT met)"
[[ $goal == yes ]]
