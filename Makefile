# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-fast install install-dev index serve lint typecheck pytest test-whoosh27 bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,cluster]'

index: install
	$(BIN)/newsdesk reindex samples --index $(INDEX)

serve:
	$(BIN)/newsdesk serve --index $(INDEX) --host $(HOST) --port $(PORT)

## Build the index from samples/ (incrementally) and serve on http://127.0.0.1:5000
run: index serve

lint: install-dev
	$(BIN)/ruff check indexer webapp tests bench
	$(BIN)/ruff format --check indexer webapp tests bench

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/python -m pytest

# The fallback Whoosh (docs/whoosh.md, "Which Whoosh"): the same code in a second virtual
# environment with Whoosh 2.7.4 instead of whoosh3, for the tests of storage, engine and search.
WHOOSH27 := .venv-whoosh27
WHOOSH27_TESTS := tests/test_storage_contract.py tests/test_codec.py tests/test_segment.py \
	tests/test_engine.py tests/test_search_request.py tests/test_search_results.py \
	tests/test_search_handle.py tests/test_writer.py tests/test_merging.py

$(WHOOSH27)/bin/python: pyproject.toml
	rm -rf $(WHOOSH27)
	$(PYTHON) -m venv $(WHOOSH27)
	$(WHOOSH27)/bin/pip install --quiet --upgrade pip
	$(WHOOSH27)/bin/pip install --quiet -e '.[dev]'
	$(WHOOSH27)/bin/pip uninstall --quiet --yes whoosh3
	$(WHOOSH27)/bin/pip install --quiet 'Whoosh==2.7.4'

## The storage, engine and search tests on Whoosh 2.7.4
test-whoosh27: $(WHOOSH27)/bin/python
	$(WHOOSH27)/bin/python -c "import whoosh; assert whoosh.versionstring() == '2.7.4'"
	$(WHOOSH27)/bin/python -m pytest -q $(WHOOSH27_TESTS)

## Lint, type-check and run the whole test suite, then the storage tests on Whoosh 2.7.4
test: lint typecheck pytest test-whoosh27

## While working: the tests not marked slow or browser, in under a minute (no lint, no mypy)
test-fast: install-dev
	$(BIN)/python -m pytest -m "not slow and not browser"

clean:
	rm -rf $(VENV) $(WHOOSH27) build *.egg-info

# ---------------------------------------------------------------- bench
# Scale benchmark against Datasette (issue 7); results in docs/benchmarks.md, data in bench/data/.
PEER := bench/.venv-peer

$(PEER)/bin/datasette:
	$(PYTHON) -m venv $(PEER)
	$(PEER)/bin/pip install --quiet datasette sqlite-utils

.PHONY: bench bench-1m bench-quick

## N = 20k, 100k and 200k articles: about 20 minutes on 2 cores
bench: install $(PEER)/bin/datasette
	$(BIN)/python -m bench.scale --n 20000 100000 200000

## N = 200,000 and 1,000,000 articles (issue 23; not part of CI), the growth between them
## measured in one run: about an hour and a half on 2 cores (corpora made once, ~15 min)
bench-1m: install $(PEER)/bin/datasette
	$(BIN)/python -m bench.scale --n 200000 1000000

## N = 5k articles, 200 queries, nothing written to docs/: a few minutes
bench-quick: install $(PEER)/bin/datasette
	$(BIN)/python -m bench.scale --n 5000 --queries 200 --no-doc
