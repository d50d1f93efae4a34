# The two commands a newcomer needs: `make demo` (a real sync into a real PostgreSQL) and
# `make test` (the whole test suite). Both build everything they need from a fresh checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Precompile bytecode at install time (also in the plugin venvs Meltano builds with uv): every
# tap, target and meltano process then starts without recompiling its imports.
export UV_COMPILE_BYTECODE := 1

.PHONY: venv install demo test lint bench docs dist clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt */pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.txt
	touch $@

install: venv
	$(BIN)/meltano install

demo: install
	$(BIN)/pipeline-demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hubspot-simulator/hubspot_simulator tap-hubspot-assoc/tap_hubspot_assoc \
		target-hubspot-overwrite/target_hubspot_overwrite devtools/pipeline_devtools

# Test files run in parallel worker processes (most tests wait on subprocesses, the simulator
# and PostgreSQL, not on the CPU); each file stays on one worker, so its module fixtures are
# shared. PYTEST_WORKERS=0 runs everything in this process. The 15 slowest tests are printed.
PYTEST_WORKERS ?= 4
test: install lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15

bench: install
	$(BIN)/python -m bench

docs: venv
	$(BIN)/python -m pipeline_devtools.settings_doc
	$(BIN)/python -m pipeline_devtools.hub_definitions

# Wheel and sdist of each plugin into dist/ (versions: each plugin's pyproject.toml).
dist: venv
	$(BIN)/uv build --out-dir dist tap-hubspot-assoc
	$(BIN)/uv build --out-dir dist target-hubspot-overwrite

clean:
	rm -rf $(VENV) .meltano
