# The two commands a new machine needs: `make demo` and `make test`. Everything else installs itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: deps demo local test test-unit test-integration synth bench lint format clean

deps: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml layers/requirements/base.txt layers/requirements/chain.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[chain,dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

demo: deps            ## start the local stack, run the user journey, stop
	$(PY) -m local demo

local: deps           ## the local stack in the foreground (Ctrl-C stops it)
	$(PY) -m local up

test: deps            ## the whole suite: unit, integration (local stack), e2e, infra
	$(PY) -m pytest

test-unit: deps
	$(PY) -m pytest tests/unit

test-integration: deps
	$(PY) -m pytest tests/integration tests/e2e

synth: deps           ## CloudFormation templates into cdk.out/ (offline)
	CDK_OUTDIR=cdk.out $(PY) -m infra.app

bench: deps           ## benchmarks; results in bench-results/
	$(PY) -m tests.bench

lint: deps            ## ruff + mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy layers/domain/basis functions local infra tests

format: deps
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf cdk.out build .basis-local .pytest_cache .mypy_cache .ruff_cache
