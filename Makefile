# The two commands of the README: `make demo` and `make test`.
# Both build the virtualenv on first use, so they work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tdbot demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) lint
	scripts/ensure-postgres
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/diagnosis.py
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/alerts.py
	$(BIN)/python -m bench.running_long
	$(BIN)/python bench/silent.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/report_stall.py
	$(BIN)/python bench/home.py
	scripts/ensure-postgres
	$(BIN)/python bench/chaos.py
