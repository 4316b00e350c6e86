# One command sets up and runs the tracker (`make run`); one runs every test, as CI does (`make test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/tracker.duckdb
PORT   ?= 8501
# apt-get needs root; CI runs as root, a developer's machine may need sudo.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install dev run test lint bench chromium postgres clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.dev-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

dev: $(BIN)/.dev-installed

# Debian's chromium for the browser tests: Playwright cannot download its own browser offline.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL server for the DuckLake catalog tests (the tests start their own cluster).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

run: install
	$(BIN)/tracker init --db $(DB)
	$(BIN)/tracker ingest --db $(DB) seeds/
	$(BIN)/tracker dashboard --db $(DB) --port $(PORT)

lint: dev
	$(BIN)/ruff check tracker tests dashboards benchmarks
	$(BIN)/mypy --strict tracker

test: dev chromium postgres lint
	$(BIN)/pytest -q

bench: dev
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
