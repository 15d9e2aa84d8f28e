# Relapse & Retention Workbench — the two commands: `make report` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install report test lint format lab strip-notebooks bench clean

install: $(STAMP)

# Re-install when the dependency list changes.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name workbench --display-name "Workbench (Python 3.11)" > /dev/null
	touch $(STAMP)

# The province evaluation report from the bundled synthetic data, in Chinese and its English twin
# (the twin reuses the cached analyses and only renders).
report: install
	$(BIN)/workbench simulate --out data/synthetic --if-missing
	$(BIN)/workbench report --params params/province.yaml --out reports/province
	$(BIN)/workbench report --params params/province_en.yaml --out reports/province_en

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

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
