# The one task runner. `make help` lists the tasks.
PY ?= python3

.PHONY: help install run demo test test-fast lint format bench ci

help:  ## list tasks
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/ —/'

install:  ## install the product with test tools (editable)
	$(PY) -m pip install -e ".[test]"

run:  ## start the dashboard (builds the demo database on first start)
	$(PY) -m dashboard serve

demo:  ## rebuild the demo database and its export files
	$(PY) -m dashboard demo

test:  ## the whole suite, as CI runs it
	$(PY) -m pytest

test-fast:  ## the suite without browser and slow tests
	$(PY) -m pytest -m "not browser and not slow"

lint:  ## ruff lint + format check + mypy (queries/ and dashboard/)
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy

format:  ## apply ruff fixes and formatting
	$(PY) -m ruff check --fix . && $(PY) -m ruff format .

bench:  ## benchmarks at 1M rows (demo build, import, KPI queries, page renders); see README
	$(PY) -m tests.bench.bench_demo --rows 1000000
	$(PY) -m tests.bench.bench_import
	$(PY) -m tests.bench.bench_kpi --rows 1000000
	$(PY) -m tests.bench.bench_pages

ci:  ## what CI runs
	bash .ci/run
