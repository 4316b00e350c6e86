# One command sets up and runs the tracker (`make run`); one runs every test, as CI does (`make test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/tracker.duckdb
PORT   ?= 8501
# apt-get needs root; CI runs as root, a developer's machine may need sudo.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install dev run test lint bench chromium postgres clean FORCE

# setup.py compiles the extractor's modules with mypyc into the source tree (tracker/<name>.*.so),
# where they shadow <name>.py, and tracker/_words.c beside them: an edited one must be rebuilt, so
# the stamp depends on their sources (also after a build that fell back to pure Python, so that the
# next one tries again). `TRACKER_PURE_PYTHON=1 make install` installs them as pure Python.
COMPILED_SOURCES := $(shell $(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["tracker"]["mypyc-modules"])') tracker/_words.c

# Which build was asked for; installing again when it changes (setup.py reads the variable).
export TRACKER_PURE_PYTHON
$(VENV)/.build-mode: FORCE
	@mkdir -p $(VENV) && echo 'TRACKER_PURE_PYTHON=$(TRACKER_PURE_PYTHON)' | cmp -s - $@ || \
	  echo 'TRACKER_PURE_PYTHON=$(TRACKER_PURE_PYTHON)' > $@

$(BIN)/.installed: pyproject.toml setup.py $(COMPILED_SOURCES) $(VENV)/.build-mode
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@$(BIN)/python -c "from tracker.compiled import build_name; print('tracker installed:', build_name(), 'extractor')"
	touch $@

# The dev tools alone (not `pip install -e '.[dev]'`, which would compile the package a second time).
DEV_TOOLS := import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["dev"], sep="\n")
$(BIN)/.dev-installed: pyproject.toml | $(BIN)/.installed
	$(BIN)/python -c '$(DEV_TOOLS)' > $(VENV)/dev-requirements.txt
	$(BIN)/pip install -q -r $(VENV)/dev-requirements.txt
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
	$(BIN)/ruff check tracker tests dashboards benchmarks setup.py
	$(BIN)/mypy --strict tracker

test: dev chromium postgres lint
	$(BIN)/pytest -q

bench: dev
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache build tracker/*.so *__mypyc.*.so
