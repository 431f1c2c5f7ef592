# roamx — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# WeasyPrint renders the PDF with Pango and HarfBuzz; gettext's msgfmt compiles the translations (locale/).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext
# Tests also read PDFs back (poppler-utils), drive a real browser (Debian's chromium), and run the
# deployment recipe: gunicorn behind nginx with a self-signed certificate (openssl), systemd units checked.
TEST_DEBS := $(RUN_DEBS) poppler-utils chromium nginx openssl systemd redis-server

# The demo server runs with DEBUG on an embedded SQLite database.
DEMO_ENV := DEBUG=1

.PHONY: run test lint format bench bench-profile bench-load system-run system-test venv install install-test migrate demo worker clean messages i18n-missing bench-workshop

run: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_framework
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo
	@echo "  roamx is running on http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password roamx-demo): researcher, lead, reviewer (MAB member), staff, admin"
	@echo "  Report exports render in a background worker, started alongside (log: var/worker.log)."
	@echo
	@# The worker lives as long as the server: both stop on Ctrl-C.
	@mkdir -p var; $(DEMO_ENV) $(BIN)/python manage.py db_worker > var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	@echo "== benchmarks/report_pdf.py"; DEBUG=1 $(BIN)/python benchmarks/report_pdf.py
	@$(MAKE) --no-print-directory bench-profile
	@$(MAKE) --no-print-directory bench-load
	@$(MAKE) --no-print-directory bench-workshop

# The load benchmark's pages in-process, on a throwaway PostgreSQL database (see benchmarks/profile.sh).
bench-profile: install-test
	@echo "== benchmarks/profile.sh"; benchmarks/profile.sh

# gunicorn on PostgreSQL under wrk (LOAD_DURATION=5s for a quick run; see benchmarks/load.sh).
bench-load: install-test
	@echo "== benchmarks/load.sh"; benchmarks/load.sh

# A validation workshop: 60 participants x 30 items through the real pages (see benchmarks/workshop.sh).
bench-workshop: install-test
	@echo "== benchmarks/workshop.sh"; benchmarks/workshop.sh

worker: install
	$(DEMO_ENV) $(BIN)/python manage.py db_worker

system-run:
	@scripts/system-packages.sh $(RUN_DEBS)

system-test:
	@scripts/system-packages.sh $(TEST_DEBS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps make a second run reuse what is installed until pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# The translations' .mo files are built from the checked-in .po files, never edited or committed.
install: system-run $(VENV)/.installed
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages --ignore='.venv' --ignore='var' -v 0

install-test: system-test $(VENV)/.installed-test
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages --ignore='.venv' --ignore='var' -v 0

# After adding or changing interface strings: update the catalogues and list what needs translating.
messages: install-test
	$(BIN)/python scripts/i18n-missing --update || true

i18n-missing: install-test
	$(BIN)/python scripts/i18n-missing

clean:
	rm -rf $(VENV) .pytest_cache
