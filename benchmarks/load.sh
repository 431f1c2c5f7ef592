#!/usr/bin/env bash
# Load benchmark (`make bench`): gunicorn (2 workers, production settings) on a fresh PostgreSQL database
# with the full-scope demo, signed in as the demo researcher; wrk drives the dashboard, a finding's
# review page, the review overview, the finding's admin change form, the findings API and the
# comment-response matrix. Prints rps, p50/p99 latency, errors, the workers' CPU per request and the load
# average per endpoint, and whether the goal holds (issue 17): no errors, each page's CPU per request within
# its goal (the fourth field of ENDPOINTS), and every page's p99 under 250 ms.
#
# Environment: LOAD_DURATION (default 30s), LOAD_CONNECTIONS (32), LOAD_THREADS (2), LOAD_PORT (8765),
# LOAD_GUNICORN_ARGS (extra gunicorn flags, e.g. "--threads 4"), DB_CONN_MAX_AGE (passed to the server),
# PGHOST/PGPORT/PGUSER (127.0.0.1, 5432, postgres). See docs/operations.md for reading the figures.
set -euo pipefail

DURATION=${LOAD_DURATION:-30s}
CONNECTIONS=${LOAD_CONNECTIONS:-32}
THREADS=${LOAD_THREADS:-2}
PORT=${LOAD_PORT:-8765}
DB_PREFIX=roamx_load
P99_GOAL_MS=250
# shellcheck source=benchmarks/common.sh
source "$(dirname "$0")/common.sh"

command -v wrk >/dev/null || scripts/system-packages.sh wrk
echo "Setting up $DB: migrate, framework, full-scope demo"
bench_database
DEBUG=1 "$BIN/python" manage.py seed_demo --scope full
FINDING_PK=$(DEBUG=1 "$BIN/python" manage.py shell --no-imports -c \
  "from assessments.models import Finding; print(Finding.objects.get(assessment__code='khm-2023', indicator__code='R.1.1').pk)")
# The public results page needs the results published; the consultation pages a participant's personal link
# with their details given (benchmarks/profile_pages.py does the same).
PARTICIPANT_PATH=$(DEBUG=1 "$BIN/python" -c "import sys; sys.path.insert(0, 'benchmarks'); from profile_pages import public_setup; print(public_setup())" | tail -1)

bench_gunicorn
echo "Signing in as researcher"
bench_sign_in researcher
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
printf '\n%-24s %7s %8s %8s %7s %15s %6s %14s %s\n' "endpoint" "rps" "p50 ms" "p99 ms" "errors" "app CPU ms/req" "goal" "db CPU ms/req" "load"
TICKS_PER_SECOND=$(getconf CLK_TCK)
goal=yes
for entry in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name path _ cpu_goal who <<<"$entry"
  cpu_before=$(worker_cpu)
  db_before=$(database_cpu)
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
  # A backend that closed during the run (a connection older than DB_CONN_MAX_AGE is replaced) takes its
  # CPU with it: the figure is then too low, or negative, and printed as "n/a".
  db_ms=$(awk -v t=$(($(database_cpu) - db_before)) -v hz="$TICKS_PER_SECOND" -v n="${r[requests]}" \
    'BEGIN {v = n ? 1000 * t / hz / n : 0; if (v < 0) print "n/a"; else printf "%.1f", v}')
  cpu_ok=$(awk -v c="$cpu_ms" -v g="$cpu_goal" 'BEGIN {print (c <= g) ? "<=" g : ">" g " !"}')
  p99_mark=$(awk -v p="${r[p99]}" -v g="$P99_GOAL_MS" 'BEGIN {print (p < g) ? "" : " !"}')
  printf '%-24s %7s %8s %8s %7s %15s %6s %14s %s\n' "$name" "${r[rps]}" "${r[p50]}" "${r[p99]}$p99_mark" "$errors" "$cpu_ms" \
    "$cpu_ok" "$db_ms" "$(cut -d' ' -f1 /proc/loadavg)"
  ((errors == 0)) || goal=no
  [[ $cpu_ok != *'!' ]] || goal=no
  [[ -z $p99_mark ]] || goal=no
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Goal (no errors, each page's CPU within its goal, every p99 < ${P99_GOAL_MS} ms): $([[ $goal == yes ]] && echo met || echo NOT met)"
[[ $goal == yes ]]
