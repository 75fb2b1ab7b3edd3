PY ?= .venv/bin/python

.PHONY: test lint bench

# The same as the README's test command (ruff and import-linter run inside pytest).
test:
	$(PY) -m pytest

lint:
	$(PY) -m ruff check engine nndesigner tests benchmarks
	$(dir $(PY))lint-imports

bench:
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done
