# The single entry point for running, checking, testing and measuring atouts.
# Every target installs what it needs into a local virtualenv first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ATOUTS_HOME ?= $(CURDIR)/.atouts
export ATOUTS_HOME

STRICT_PACKAGES := badges referentials verifier issuer matching
OTHER_PACKAGES := storage wallet api cli

.PHONY: install run test check lint format typecheck contracts openapi bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: the main job on the embedded default (SQLite under ATOUTS_HOME, bundled demo data)
run: $(STAMP)
	$(BIN)/atouts serve --demo

## make check: lint, format, types, import contracts, OpenAPI drift
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict $(STRICT_PACKAGES)
	$(BIN)/mypy $(OTHER_PACKAGES)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/architecture

## make test: what CI runs (check, then the whole suite)
test: check
	$(BIN)/python -m pytest -n 2 --dist loadfile

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make openapi: regenerate openapi.yaml from the FastAPI app
openapi: $(STAMP)
	$(BIN)/atouts openapi -o openapi.yaml

## make bench: benchmarks (ratios against baselines measured in the same run)
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
