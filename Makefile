# Two commands do everything on a fresh machine: `make run` (the whole stack) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test quick lint format migrate migration clean bench faults browser forecast-backtest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# GOV.UK Frontend's CSS, fonts and images for the families' portal pages (package.json, api/pages/govuk_assets.py):
# installed again whenever the lock file changes.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Reinstall whenever the dependency list changes; the npm packages come along (order-only: they change alone).
$(VENV)/.installed: pyproject.toml | $(BIN)/python node_modules/.installed
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools warns of an editable install on every install; the tree is laid out for it (README, Layout).
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/python -m cli.migrate

## The next database migration from what store/models.py adds: make migration NAME=what_it_adds
migration: $(VENV)/.installed
	@test -n "$(NAME)" || { echo "usage: make migration NAME=what_it_adds" >&2; exit 2; }
	$(BIN)/python -m cli.migrate --new "$(NAME)"
	$(BIN)/ruff format --quiet store/migrations/versions

## Temporal dev server (UI on :8233), worker and API (docs on :8000/docs); Ctrl-C stops all of it.
run: migrate
	$(BIN)/python -m cli.init_local
	deploy/run-local.sh

## Lint, then every test (PostgreSQL when CI is set, SQLite otherwise).
test: $(VENV)/.installed browser lint
	$(BIN)/pytest --cov --cov-report=term

## Debian's Chromium for the dashboard's browser test, where apt can install it (as root or with sudo);
## otherwise that test is skipped, or fails when CI is set. Playwright drives it: no browser is downloaded.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	    if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then sudo=; \
	    elif command -v apt-get >/dev/null && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=sudo; \
	    else echo "No /usr/bin/chromium and no apt to install it: the browser test will be skipped" \
	        "(or fail, with CI set)."; exit 0; fi; \
	    $$sudo apt-get update -qq && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi

## The benchmark (docs/benchmarks.md): starts its own servers, needs PostgreSQL; BENCH_ARGS="--cases 200" for less.
bench: $(VENV)/.installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Fault runs (docs/reliability.md): worker and dev server killed among 1,000 cases, then PostgreSQL cut for 30 s.
faults: $(VENV)/.installed
	$(BIN)/python -m bench.faults --out bench/results/faults.json $(FAULTS_ARGS)
	$(BIN)/python -m bench.db_outage --out bench/results/db-outage.json

## The forecast's back-test (docs/forecast.md): generated histories, and a run's database with
## BACKTEST_ARGS="--database-url postgresql://… --source 'what it is'"; writes the figures into docs/forecast.md.
forecast-backtest: $(VENV)/.installed
	$(BIN)/python -m bench.forecast_backtest --docs docs/forecast.md --out bench/results/forecast-backtest.json $(BACKTEST_ARGS)

## The working loop: the tests without the slow ones (fuzz, benchmarks, fault runs, the browser); no lint.
quick: $(VENV)/.installed
	$(BIN)/pytest -m "not slow" -x -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules data/*.db data/*.db-*
