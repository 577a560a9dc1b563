# ceasefire-watch: `make demo` sets everything up and runs the demo; `make test` runs the checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help setup demo test lint unit train evaluate benchmark

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed  ## Install Python packages into .venv, fetch Kafka, build Prism, install Prometheus
	$(BIN)/python -m ceasefire_watch.dev.kafka install
	$(BIN)/python -m ceasefire_watch.dev.prism
	bash scripts/install_prometheus.sh
	bash scripts/flink_operator_crd.sh > /dev/null
	bash deploy/flink/install.sh > /dev/null

demo: setup  ## Start a local broker, publish the sample articles, run the pipeline, print alerts
	$(BIN)/ceasefire-watch demo

lint: $(BIN)/.installed  ## ruff, mypy and the import layers (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy deploy/grafana/generate.py
	$(BIN)/lint-imports

test: setup lint  ## Lint, then every test: unit and integration (real Kafka, Prism, the bundled model)
	$(BIN)/python -m pytest

unit: $(BIN)/.installed  ## Fast unit tests only
	$(BIN)/python -m pytest tests/unit

train:  ## Fine-tune the stance model (installs the train extra: torch)
	$(BIN)/pip install --quiet -e '.[dev,train]'
	$(BIN)/ceasefire-watch train

evaluate:  ## Evaluate the bundled model on the test split, the blind set and the gold articles
	$(BIN)/ceasefire-watch evaluate

benchmark: setup  ## Throughput and latency through the real broker and pipeline
	$(BIN)/python benchmarks/pipeline_throughput.py
