# Incident Desk: `make run` for the demo, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DEBUG=true DEMO_MODE=true REQUIRE_TWO_FACTOR=false

.PHONY: run test install install-test assets browser lint format migrate demo clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test]"
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
test: install-test assets browser lint
	$(BIN)/pytest $(PYTEST_ARGS)

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
