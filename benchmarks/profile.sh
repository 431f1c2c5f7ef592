#!/usr/bin/env bash
# In-process profile of the pages of benchmarks/load.sh (`make bench-profile`, part of `make bench`): a
# throwaway PostgreSQL database with the full-scope demo, production settings, then
# benchmarks/profile_pages.py (CPU per request and queries per request for each page, with Django's test
# client: no gunicorn, no wrk). Arguments are passed on (page names); PROFILE=1 writes pyinstrument
# profiles to $PROFILE_DIR (default /tmp). See docs/operations.md.
set -euo pipefail

PORT=0  # common.sh's BASE is unused here: no server is started
DB_PREFIX=roamx_profile
# shellcheck source=benchmarks/common.sh
source "$(dirname "$0")/common.sh"

echo "Setting up $DB: migrate, framework, full-scope demo"
bench_database
DEBUG=1 "$BIN/python" manage.py seed_demo --scope full >/dev/null
# Production settings, as the load benchmark's server runs (DEBUG off needs the static files' manifest).
export LOG_LEVEL=WARNING DEBUG=0 SECRET_KEY="profile-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
"$BIN/python" manage.py collectstatic --noinput -v 0
echo "Machine: $(nproc) CPUs, load average $(load_average) before measuring"
"$BIN/python" benchmarks/profile_pages.py "$@"
echo "Load average after: $(load_average)"
