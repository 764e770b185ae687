# vicinity_sim — setup, demo, tests and benchmarks. Everything runs inside .venv, created with
# the machine's python3 (override with `make PYTHON=python3.12 ...`).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
SIM    := $(VENV)/bin/vicinity-sim

.PHONY: help setup dev viz geo notebook chromium demo dashboard test lint format bench clean

help:
	@echo "make demo   - set up .venv; run the four-pillar study (7 arms × 4 replications × 3 years)"
	@echo "              and write its report to outputs/demo/"
	@echo "make test   - set up .venv with the dev extra, lint, run the test suite and the baseline"
	@echo "              regression (tests/golden/*.json)"
	@echo "make dashboard - set up .venv with the viz extra and serve the dashboard on"
	@echo "              http://127.0.0.1:8765/ for the baseline scenario"
	@echo "make notebook - set up .venv with the notebook extra (Jupyter) and open JupyterLab on"
	@echo "              experiments/ (the studies' notebooks)"
	@echo "make bench  - run the benchmarks (figures quoted in README, Performance)"
	@echo "make geo    - set up .venv with the geo extra (villages from building footprints)"
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
	@touch $@ $(VENV)/.runtime-installed $(VENV)/.viz-installed $(VENV)/.geo-installed

$(VENV)/.viz-installed: pyproject.toml | $(PY)
	$(PIP) install -e ".[viz]"
	@touch $@ $(VENV)/.runtime-installed

$(VENV)/.notebook-installed: pyproject.toml | $(PY)
	$(PIP) install -e ".[notebook]"
	@touch $@ $(VENV)/.runtime-installed

# Villages from building footprints (geopandas, pyogrio, pyproj, shapely, pyrosm).
$(VENV)/.geo-installed: pyproject.toml | $(PY)
	$(PIP) install -e ".[geo]"
	@touch $@ $(VENV)/.runtime-installed

# The dashboard's browser test drives Debian's Chromium (Playwright never downloads a browser).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
		|| ($(SUDO) apt-get update -q && \
		    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

setup: $(VENV)/.runtime-installed

dev: $(VENV)/.dev-installed

viz: $(VENV)/.viz-installed

geo: $(VENV)/.geo-installed

notebook: $(VENV)/.notebook-installed
	$(VENV)/bin/jupyter lab experiments/

chromium: $(CHROMIUM)

demo: setup
	$(SIM) compare experiments/four_pillars.toml --replications 4 --workers 2 \
		--out outputs/demo --fresh

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

dashboard: viz
	$(SIM) dashboard scenarios/baseline.toml

test: dev lint chromium
	$(PY) -m pytest
	$(SIM) regress --workers 2

bench: setup geo
	$(PY) benchmarks/bench_village.py
	$(PY) benchmarks/bench_contacts.py
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_reference.py
	$(PY) benchmarks/bench_footprints.py
	$(PY) benchmarks/bench_cli.py

format: dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) outputs .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
