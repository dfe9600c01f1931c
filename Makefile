# Quick start (a fresh machine with Python 3.11 and pip):
#   make demo   # set up, then run the investigation on data_samples/
#   make test   # set up, then lint, type-check and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT ?= out/demo

.PHONY: setup demo test lint typecheck pytest browser bench clean samples

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml vessels/__init__.py ingest/__init__.py detectors/__init__.py kernels/__init__.py dashboards/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

demo: setup
	$(BIN)/vessels investigate data_samples/scenario/traffic.nmea \
		--sar data_samples/scenario/sar_detections.csv data_samples/scenario/sar_scenes.geojson \
		--out $(DEMO_OUT)

# Debian's chromium for the end-to-end report test (installed once; needs root and apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium missing: install Debian's chromium (apt-get install chromium)"; exit 1; fi; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

pytest: setup browser
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: setup
	$(BIN)/pip install -q -e ".[test,bench]"
	$(BIN)/python -m benchmarks

samples: setup
	$(BIN)/vessels simulate --out data_samples/scenario --seed 7 --days 3 --vessels 60 --format nmea

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
