# Relapse & Retention Workbench — the two commands: `make report` and `make test`.
# The first Python 3.11 or 3.12 on PATH (requires-python in pyproject.toml); override with PYTHON=...
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 13))' 2>/dev/null && { echo $$p; break; }; \
	done)
UV_VERSION := 0.13.9
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install report test lint format lab strip-notebooks bench clean system-report system-test

install: system-report $(STAMP)

# System packages (fonts, WeasyPrint's libraries; for the tests also poppler and Chromium):
# installed with apt-get when run as root, otherwise a one-line instruction (tools/system-deps.sh).
system-report:
	@sh tools/system-deps.sh report

system-test:
	@sh tools/system-deps.sh test

# Re-install when the dependency list changes. uv installs the pinned stack in seconds; pip is the
# fallback when uv cannot be had. --compile-bytecode (pip does it by default): the .pyc files are
# written once here, so no process has to compile pandas, scipy, ... from source at every start
# where PYTHONDONTWRITEBYTECODE is set (measured: 9 s of CPU for the report's imports vs 4 s;
# every report, its kernel and each CLI run of the tests paid it).
$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "make: no Python 3.11 or 3.12 on PATH; install one (apt-get install python3) or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@echo "installing the pinned Python stack into $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)" 2>/dev/null; then \
		$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e ".[dev]"; \
	else \
		echo "uv not available; installing with pip (slower)"; \
		$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"; \
	fi
	$(BIN)/python -m ipykernel install --sys-prefix --name workbench --display-name "Workbench (Python 3.11)" > /dev/null
	touch $(STAMP)

# The province evaluation report from the bundled synthetic data, in Chinese and its English twin:
# one process, one analysis, both notebooks in one kernel started before the analysis.
report: install
	$(BIN)/workbench simulate --out data/synthetic --if-missing
	$(BIN)/workbench report --params params/province.yaml params/province_en.yaml \
		--out reports/province reports/province_en

# pytest on TEST_WORKERS processes (pytest-xdist; CI has 2 cores): each test file runs whole on
# one worker (pyproject.toml's addopts), the slowest files first (tests/conftest.py).
TEST_WORKERS ?= 2

test: system-test install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# JupyterLab on the research notebooks, with the project kernel registered and chosen by default.
lab: install
	$(BIN)/python -m ipykernel install --sys-prefix --name workbench --display-name "Workbench (Python 3.11)" > /dev/null
	$(BIN)/jupyter lab --notebook-dir=notebooks --MappingKernelManager.default_kernel_name=workbench

# Clear outputs before committing notebooks (tests refuse notebooks with outputs).
strip-notebooks: install
	$(BIN)/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb

bench: install
	$(BIN)/python bench/npmle.py

clean:
	rm -rf $(VENV) reports .pytest_cache
