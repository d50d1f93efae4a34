# The two commands a newcomer needs: `make demo` (a real sync into a real PostgreSQL) and
# `make test` (the whole test suite). Both build everything they need from a fresh checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)

.PHONY: venv install demo test lint clean

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

test: install lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .meltano
