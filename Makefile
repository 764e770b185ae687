# vicinity_sim — setup, demo, tests and benchmarks. Everything runs inside .venv, created with
# the machine's python3 (override with `make PYTHON=python3.12 ...`).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
SIM    := $(VENV)/bin/vicinity-sim

.PHONY: help setup dev demo test lint format bench clean

help:
	@echo "make demo   - set up .venv; compare baseline with the three packages (5 seeds × 3 years)"
	@echo "make test   - set up .venv with the dev extra, lint and run the whole test suite"
	@echo "make bench  - run the benchmarks (figures quoted in README, Performance)"
	@echo "make lint   - ruff check and format check"
	@echo "make clean  - remove .venv, outputs and caches"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamps record what was installed; they are rebuilt when pyproject.toml changes.
$(VENV)/.runtime-installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(PY)
	$(PIP) install -e ".[dev]"
	@touch $@ $(VENV)/.runtime-installed

setup: $(VENV)/.runtime-installed

dev: $(VENV)/.dev-installed

demo: setup
	$(SIM) compare scenarios/baseline.toml scenarios/hazard_package.toml \
		scenarios/governance_package.toml scenarios/economy_package.toml \
		--seeds 5 --out outputs/demo --force

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: dev lint
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/bench_village.py

format: dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) outputs .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
