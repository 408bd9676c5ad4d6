# Volunteer Star: `make run` serves the embedded default, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install install-test bench translations clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The QR codes print BASE_URL: unless it is set, it follows HOST and PORT.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Volunteer Star is running at http://$(HOST):$(PORT)  (Ctrl+C to stop); QR codes open $${BASE_URL:-http://$(HOST):$(PORT)}"
	BASE_URL="$${BASE_URL:-http://$(HOST):$(PORT)}" $(FLASK) run --host $(HOST) --port $(PORT)

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set. The two passes run at the same
# time (the browser journeys run in the SQLite pass); the PostgreSQL pass's output follows the
# SQLite pass's, whole, and the target fails when either pass fails.
test: install-test
	@if [ -z "$$TEST_DATABASE_URL" ] && [ "$$REQUIRE_POSTGRES" = "1" ]; then \
		echo "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set" >&2; exit 1; \
	fi
	@pg_log=$$(mktemp); pg_status=0; pg_pid=; \
	if [ -n "$$TEST_DATABASE_URL" ]; then \
		TEST_DB=postgres $(PY) -m pytest $(PYTEST_ARGS) >"$$pg_log" 2>&1 & pg_pid=$$!; \
	fi; \
	echo "== the suite on SQLite =="; \
	$(PY) -m pytest $(PYTEST_ARGS); sqlite_status=$$?; \
	if [ -n "$$pg_pid" ]; then \
		wait $$pg_pid; pg_status=$$?; \
		echo "== the same suite on PostgreSQL =="; cat "$$pg_log"; \
	fi; \
	rm -f "$$pg_log"; \
	[ $$sqlite_status -eq 0 ] && [ $$pg_status -eq 0 ]

# ruff (lint) over the code and its formatter over app/ (it owns line length); mypy.
lint: install-test
	$(VENV)/bin/ruff check app tests bench config.py wsgi.py
	$(VENV)/bin/ruff format --check app
	$(VENV)/bin/mypy

# make bench: 20 000 volunteers / 200 000 records on SQLite (and PostgreSQL with BENCH_DATABASE_URL);
# make bench SCALE=city: 1 M volunteers / 10 M records on PostgreSQL (BENCH_DATABASE_URL required).
bench: install-test
	$(PY) -m bench --scale $(or $(SCALE),small)

translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations
	$(VENV)/bin/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
