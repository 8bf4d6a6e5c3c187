# Linli — two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DB := sqlite:///$(CURDIR)/var/linli.sqlite3

.PHONY: demo test bench lint check serve clean-demo messages help prod-local prod-local-stop prod-local-smoke

help:
	@echo "make demo   — install, build the SQLite demo database (Heping), serve on :$(PORT)"
	@echo "make test   — install, lint (ruff, mypy, import-linter, migrations) and run every test"
	@echo "make bench  — benchmarks on the local PostgreSQL"
	@echo "make prod-local / prod-local-stop — the production layout on loopback (docs/deployment.md)"
	@echo "make prod-local-smoke — its smoke test and PITR drill (after make prod-local)"

$(VENV)/.deps: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.deps requirements-dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

demo: $(VENV)/.deps
	@mkdir -p var
	DATABASE_URL=$(DEMO_DB) LINLI_DEBUG=1 $(BIN)/linli migrate --noinput -v 0
	DATABASE_URL=$(DEMO_DB) LINLI_DEBUG=1 $(BIN)/linli demo
	@echo "Linli: http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	# Served with DEBUG off (LINLI_DEMO): Linli's own 403/404/500 pages, not Django's debug pages.
	DATABASE_URL=$(DEMO_DB) LINLI_DEMO=1 $(BIN)/linli runserver 127.0.0.1:$(PORT) --noreload

clean-demo:
	rm -f var/linli.sqlite3 var/linli.sqlite3-wal var/linli.sqlite3-shm

test: $(VENV)/.dev
	@bash scripts/system-deps.sh
	@bash scripts/test.sh

lint: $(VENV)/.dev
	@bash scripts/test.sh --lint-only

bench: $(VENV)/.dev
	@bash scripts/bench.sh

messages: $(VENV)/.dev
	LINLI_DEBUG=1 $(BIN)/python manage.py makemessages -l en --no-obsolete -i ".venv/*" -i "tests/*" -i "bench/*" -i "artifacts/*" -i "var/*"
	LINLI_DEBUG=1 $(BIN)/python manage.py compilemessages -l en --ignore ".venv/*"
prod-local: $(VENV)/.dev
	@bash scripts/system-deps.sh
	@bash scripts/prod-local.sh start

prod-local-stop:
	@bash scripts/prod-local.sh stop

prod-local-smoke:
	$(BIN)/python scripts/prod_local_smoke.py
