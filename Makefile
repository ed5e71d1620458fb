# Incident Desk: `make run` for the demo, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DEBUG=true DEMO_MODE=true REQUIRE_TWO_FACTOR=false

.PHONY: run test install install-test assets browser lint format migrate demo clean bench \
	security lock audit-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Python packages come only from the lock files, each download checked against its SHA-256
# (docs/security.md, "Dependencies"); the project itself is then installed without
# letting pip add anything. check_lock.py stops first when pyproject.toml names a pin the
# lock does not have: then run `make lock`.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python scripts/check_lock.py requirements.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements-test.lock $(VENV)/.installed
	$(BIN)/python scripts/check_lock.py requirements-test.lock --extra test
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

incidentdesk/static/dist/.built: node_modules/.installed scripts/build_assets.py $(wildcard incidentdesk/static_src/*) | $(VENV)/.installed
	$(BIN)/python scripts/build_assets.py
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
assets: incidentdesk/static/dist/.built

# Debian's chromium for the browser tests; Playwright cannot download its own here.
# WeasyPrint (the PDF drafts) needs Pango and HarfBuzz's subsetter from the system too.
WEASYPRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
browser:
	@command -v chromium >/dev/null 2>&1 && ldconfig -p | grep -q libpangoft2-1.0 || { \
		echo "Installing Debian's chromium and Pango for the browser tests and PDFs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium $(WEASYPRINT_DEBS) >/dev/null; }

migrate: install
	$(DEV_ENV) $(BIN)/incidentdesk migrate --no-input

demo: migrate
	$(DEV_ENV) $(BIN)/incidentdesk demo

run: install assets
	$(DEV_ENV) $(BIN)/incidentdesk migrate --no-input
	$(DEV_ENV) $(BIN)/incidentdesk demo
	$(DEV_ENV) $(BIN)/python scripts/run_dev.py --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# One test process per core (pytest-xdist); PYTEST_ARGS="-n 0 -x" runs them in one.
PYTEST_ARGS ?= -n auto
test: install-test assets browser lint security
	$(BIN)/pytest $(PYTEST_ARGS)

# Bandit's high-severity findings fail the build (docs/security.md).
security: install-test
	$(BIN)/bandit --quiet --recursive incidentdesk --severity-level high

# The lock files are made from pyproject.toml by pip-tools, in a venv of their own so the
# project's venv holds only what the locks name. Pins already in a lock are kept; to move
# every package to its newest allowed release: make lock LOCK_ARGS=--upgrade
LOCK_VENV := $(VENV)/lock-tools
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	--generate-hashes --strip-extras $(LOCK_ARGS)
$(LOCK_VENV)/.installed:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/pip install --quiet pip-tools==7.6.2 pip-audit==2.10.1
	touch $@

lock: $(LOCK_VENV)/.installed
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra test --output-file requirements-test.lock pyproject.toml

# Known vulnerabilities in the locked versions, from the PyPI advisory database (needs the
# network; not part of `make test`, so a new advisory does not fail an unrelated change).
audit-deps: $(LOCK_VENV)/.installed
	$(LOCK_VENV)/bin/pip-audit --strict --disable-pip -r requirements.lock
	$(LOCK_VENV)/bin/pip-audit --strict --disable-pip -r requirements-test.lock

# The benchmarks (bench/, README "Benchmarks"): BENCH_INCIDENTS incidents on SQLite in
# var/bench/, then wrk on each page; bench/RESULTS.md gets the figures. Needs Debian's wrk.
BENCH_INCIDENTS ?= 100000
BENCH_ORGANISATIONS ?= 40
BENCH_DB ?= $(CURDIR)/var/bench/bench-$(BENCH_INCIDENTS).sqlite3
bench: install assets
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian's wrk for the benchmarks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	test -f $(BENCH_DB) || { DEBUG=true DATABASE_URL=sqlite:///$(BENCH_DB) $(BIN)/incidentdesk migrate -v0 \
		&& DEBUG=true DATABASE_URL=sqlite:///$(BENCH_DB) $(BIN)/incidentdesk bench-data \
			--incidents $(BENCH_INCIDENTS) --organisations $(BENCH_ORGANISATIONS); }
	$(BIN)/python bench/run.py --database-url sqlite:///$(BENCH_DB)

clean:
	rm -rf $(VENV) node_modules incidentdesk/static/dist var
