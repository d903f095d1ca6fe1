# One place for the commands a developer and CI use. `make help` lists them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app

.PHONY: help install system-deps run simulate serve serve-scheduler test test-postgres lint format bench chaos chaos-ci mutation clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

VENDOR := app/web/static/vendor
$(VENDOR)/.stamp: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/bpmn-js
	cp node_modules/bpmn-js/dist/bpmn-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/
	touch $@

install: $(STAMP) $(VENDOR)/.stamp ## create .venv, install the app with its test tools and the front-end assets

system-deps: ## install missing Debian packages (CJK font, PDF libraries, Chromium) when root
	@bin/system-deps

instance/.db-ready: $(STAMP) migrations/versions/*.py processes/*.bpmn
	mkdir -p instance
	$(BIN)/flask init-db
	$(BIN)/flask load-demo
	touch $@

run: system-deps $(STAMP) $(VENDOR)/.stamp instance/.db-ready ## install, create the SQLite database with demo data, serve on http://$(HOST):$(PORT)
	@echo ""
	@echo "  社会保险关系转移接续 · 一件事联办后台"
	@$(MAKE) --no-print-directory demo-logins
	@echo "  Open http://$(HOST):$(PORT)/"
	@echo "  Simulated clock instead (POST /api/simulation/clock): make simulate"
	@echo ""
	$(BIN)/flask run --host $(HOST) --port $(PORT)

simulate: $(STAMP) $(VENDOR)/.stamp instance/.db-ready ## serve with the simulation clock (POST /api/simulation/clock moves it)
	SIMULATION=1 $(BIN)/flask run --host $(HOST) --port $(PORT)

serve: $(STAMP) $(VENDOR)/.stamp ## production server: migrate DATABASE_URL, then gunicorn (deploy/gunicorn.conf.py; WEB_CONCURRENCY, BIND); no scheduler, no demo data
	@case "$${DATABASE_URL:-sqlite}" in sqlite*) echo "  note: DATABASE_URL is SQLite; production runs on PostgreSQL (README: Running in production)";; esac
	$(BIN)/flask init-db
	@echo "  timers: run 'make serve-scheduler' (or deploy/sitransfer-scheduler@.service) beside it"
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py

serve-scheduler: $(STAMP) ## the timer scheduler as its own process, for `make serve` (any number may run)
	$(BIN)/flask scheduler

demo-logins: $(STAMP) ## print the demo users (password for all: demo1234)
	@echo "  Demo logins (password for all: demo1234):"
	@$(BIN)/python -c "from app.entrypoints.demo import login_lines; print(*login_lines(), sep='\n')"

test: system-deps $(STAMP) $(VENDOR)/.stamp ## run the whole test suite (SQLite; PostgreSQL too when TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) $(VENDOR)/.stamp ## ruff (lint + format check), mypy on app/, the layer contracts (import-linter), bpmnlint on the diagrams
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app
	$(BIN)/lint-imports
	node_modules/.bin/bpmnlint --max-warnings 0 processes/*.bpmn

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix app tests bench
	$(BIN)/ruff format app tests bench

bench: $(STAMP) ## run the benchmarks; JSON lines on stdout and in bench/results/
	$(BIN)/python -m bench.run

chaos: $(STAMP) ## chaos suite: PostgreSQL, 3 gunicorn workers, 2 schedulers, kill -9 every few s, >= 300 bundles (CHAOS_POSTGRES_URL: use that server; CHAOS_ARGS: options)
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

chaos-ci: $(STAMP) ## the bounded chaos run CI does (under 3 min)
	$(BIN)/python -m bench.chaos --bundles 60 --max-seconds 75 --kill-every 3 --min-bundles 10 --min-kills 10 --out chaos-ci $(CHAOS_ARGS)

# The lock and chain functions by name; the rest of those two files is reads and row writes.
MUTANTS ?= 'app.store.case_rows.x_update_case*' 'app.store.case_rows.x__case_update*' \
	'app.store.audit_log.*' 'app.features.audit.chain.x_walk*' 'app.features.audit.chain.x_check_anchor*' \
	'app.features.audit.chain.xǁAuditChainǁverify*' 'app.kernel.workdays.*' 'app.rules.*'
mutation: $(STAMP) ## mutation testing of the rules, working days, audit chain and case lock (slow; not in CI)
	$(BIN)/pip install --quiet -e '.[mutation]'
	$(BIN)/mutmut run --max-children $(or $(JOBS),2) $(MUTANTS) || true
	$(BIN)/mutmut results

clean: ## remove the venv and the local database
	rm -rf $(VENV) instance
