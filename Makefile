# `make test` is the README's test command; CI runs exactly this.
PY ?= python

.PHONY: test lint bench

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint:
	$(PY) -m ruff check engine nndesigner tests benchmarks
	lint-imports

bench:
	$(PY) benchmarks/bench_mlp.py
	$(PY) benchmarks/bench_cnn.py
