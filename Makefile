# Golden Thread: two headline commands (see README.md).
#
#   make demo   set up, load the demonstration data and serve it on http://localhost:8000/
#   make test   set up, then run the whole test suite on SQLite and, when a PostgreSQL
#               server answers on 127.0.0.1:5432, again on PostgreSQL
#
# Setup steps are idempotent: the virtualenv and node_modules are only (re)installed when
# pyproject.toml or package.json/package-lock.json change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.golden-thread-installed
NPM_STAMP := node_modules/.golden-thread-installed
PORT ?= 8000
# Parallel workers for the non-browser tests (pytest-xdist); 0 or 1 runs them in one process.
PYTEST_WORKERS ?= 2
# --dist loadfile runs each test file on one worker, so a module-wide fixture (the demo, loaded once for
# test_demo.py in about a minute) is set up once, not once a worker.
PYTEST_PARALLEL := $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile,-p no:xdist)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
CHROMIUM := /usr/bin/chromium

.PHONY: help demo test setup python frontend system chromium migrate lint format clean

help:
	@echo "make demo   - set up, load the demonstration data and serve http://localhost:$(PORT)/"
	@echo "make test   - set up and run the full test suite (SQLite, then PostgreSQL if it answers on 127.0.0.1:5432)"
	@echo "make setup  - Python virtualenv, dependencies and the GOV.UK Frontend build only"
	@echo "make lint   - ruff check and format check"
	@echo "make clean  - remove the build output, test artifacts and caches (keeps .venv, node_modules, db.sqlite3)"

# ---------------------------------------------------------------- setup

$(PY):
	@echo "Creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

$(PIP_STAMP): pyproject.toml | $(PY)
	@echo "Installing Python dependencies into $(VENV)"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

python: $(PIP_STAMP)

$(NPM_STAMP): package.json $(wildcard package-lock.json)
	@echo "Installing front-end dependencies (npm)"
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	 else npm install --no-audit --no-fund --loglevel=error; fi
	@touch $@

frontend: $(NPM_STAMP)
	@npm run --silent build

setup: python frontend system

# WeasyPrint (the PDF reports) needs Pango and a font at run time; Debian's packages, installed
# only when missing.
system:
	@if ! ldconfig -p 2>/dev/null | grep libpangoft2-1.0 >/dev/null || ! fc-list 2>/dev/null | grep -i dejavu >/dev/null; then \
	  echo "Installing Pango and fonts for the PDF reports (WeasyPrint)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig >/dev/null; \
	fi

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi
	@test -x $(CHROMIUM)

migrate: python
	@$(PY) manage.py migrate --verbosity 0

# ---------------------------------------------------------------- the two commands

demo: setup migrate
	@$(PY) manage.py demo
	@echo ""
	@echo "Golden Thread is starting at http://localhost:$(PORT)/ (sign in with a username above; Ctrl-C to stop)"
	@$(PY) manage.py runserver 0.0.0.0:$(PORT)

# Each database run: the non-browser tests (in parallel), then the browser journeys (one
# process: Playwright and the live server). pytest's exit 5 (no tests collected) fails too.
define run_suite
	echo "== Tests on $(1): unit, service, API and page tests"; \
	$(2) $(PY) -m pytest $(PYTEST_PARALLEL) -m "not e2e" -q $(PYTEST_ARGS); \
	echo "== Tests on $(1): browser journeys (Playwright, $(CHROMIUM))"; \
	$(2) $(PY) -m pytest -p no:xdist -m e2e -q $(PYTEST_ARGS)
endef

test: setup chromium
	@$(call run_suite,SQLite,env -u DATABASE_URL)
	@if command -v pg_isready >/dev/null 2>&1; then \
	   pg_isready -q -h 127.0.0.1 -p 5432 && pg=yes || pg=no; \
	 else \
	   $(PY) -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" \
	     >/dev/null 2>&1 && pg=yes || pg=no; \
	 fi; \
	 if [ "$$pg" = yes ]; then \
	   $(call run_suite,PostgreSQL,env DATABASE_URL=$(PG_TEST_URL)); \
	 else \
	   echo "== No PostgreSQL server answers on 127.0.0.1:5432; the suite ran on SQLite only."; \
	 fi

# ---------------------------------------------------------------- other

lint: python
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: python
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

clean:
	rm -rf commissioning/static/build staticfiles test-artifacts .pytest_cache .ruff_cache
