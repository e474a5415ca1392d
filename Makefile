# Two entry points, as the README says: `make run` and `make test`.
# `make run` installs only what the app needs; the dev tools (pytest, mypy, ruff, hypothesis, psycopg)
# are added the first time `make test` (or lint, typecheck, pytest, bench) runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("quilltap-tui needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/quilltap-tui

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

# Two workers: the tests are isolated (own QUILLTAP_HOME, port-0 fakes, a tmux socket each); worksteal
# evens out the long UI and end-to-end files. `$(BIN)/pytest tests/x` runs one part serially.
pytest: $(DEV_STAMP)
	$(BIN)/pytest -n 2 --dist worksteal

test: lint typecheck pytest

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
