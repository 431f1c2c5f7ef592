#!/usr/bin/env bash
# Workshop load (`make bench`): a validation workshop on gunicorn (2 workers, production settings) and a
# fresh PostgreSQL database with the demo. WORKSHOP_PARTICIPANTS (60) people answer WORKSHOP_ITEMS (30)
# items each through the real pages — half through personal links, half through the open link from one
# address, rate-limited in Redis as in production — while the projector polls its tallies
# (benchmarks/workshop/driver.py). Prints p50/p99 and errors per kind of request, the workers' CPU per
# request (from /proc: it hardly changes when other processes compete for the machine, unlike latency)
# and the machine's load average; the goal is 0 errors and p99 < 500 ms. Start-up: benchmarks/common.sh.
#
# Environment: WORKSHOP_PARTICIPANTS, WORKSHOP_ITEMS, WORKSHOP_THINK ("1 3": seconds between items),
# LOAD_PORT (8766), CONSULTATION_CACHE_URL (redis://127.0.0.1:6379/5), PGHOST/PGPORT/PGUSER.
set -euo pipefail

PORT=${LOAD_PORT:-8766}
DB_PREFIX=roamx_workshop
export WORKSHOP_PARTICIPANTS=${WORKSHOP_PARTICIPANTS:-60}
export WORKSHOP_ITEMS=${WORKSHOP_ITEMS:-30}
THINK=${WORKSHOP_THINK:-1 3}
# shellcheck source=benchmarks/common.sh
source "$(dirname "$0")/common.sh"

echo "Setting up $DB: migrate, framework, demo, a consultation of $WORKSHOP_ITEMS items"
bench_database
DEBUG=1 "$BIN/python" manage.py seed_demo >/dev/null
export LINKS_FILE="$WORK/links"
CONSULTATION=$(DEBUG=1 "$BIN/python" manage.py shell --no-imports < benchmarks/workshop/setup.py | tail -1)

export CONSULTATION_CACHE_URL=${CONSULTATION_CACHE_URL:-redis://127.0.0.1:6379/5}
bench_gunicorn
# The lead's projector session.
bench_sign_in lead

echo "Machine: $(nproc) CPUs, load average $(load_average) before the workshop"
# shellcheck disable=SC2086
set +e
"$BIN/python" benchmarks/workshop/driver.py "$BASE" "$LINKS_FILE" --items "$WORKSHOP_ITEMS" \
  --tallies "/a/khm-2023/consultations/$CONSULTATION/tallies.json" --cookie "sessionid=$SESSION" --think $THINK \
  --workers "$(pgrep -P "$GUNICORN_PID" | paste -sd,)"
status=$?
set -e
echo "Load average after: $(load_average)"
if [[ -s $WORK/gunicorn.log ]]; then echo "gunicorn log:"; tail -20 "$WORK/gunicorn.log"; fi
exit $status
