# The two commands a new machine needs: `make demo` and `make test`. Everything else installs itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: deps check-tools browser demo local dashboard test test-unit test-integration synth bench soak lint format clean

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

# DynamoDB Local's launcher (local/aws/dynamodb/LoopbackDynamoDB.java) runs in Java source-file mode,
# which compiles it at start: a JRE is not enough, it needs a JDK (17+).
check-tools:
	@command -v java >/dev/null 2>&1 || { echo "make: 'java' not found: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
	@command -v javac >/dev/null 2>&1 || { echo "make: 'javac' not found: DynamoDB Local's launcher runs in Java source-file mode, which needs a JDK (17+), not just a JRE (e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }

# Headless Chromium (Debian's package) loads the local dashboard in its test; installed when missing.
CHROMIUM ?= /usr/bin/chromium
browser: $(CHROMIUM)

$(CHROMIUM):
	@[ "$$(id -u)" = 0 ] || { echo "make: $(CHROMIUM) not found: install Debian's chromium as root (apt-get install --no-install-recommends chromium), or set CHROMIUM=/path/to/chromium" >&2; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

demo: deps check-tools ## start the local stack, run the user journey, stop
	$(PY) -m local demo

local: deps check-tools ## the local stack in the foreground (Ctrl-C stops it)
	$(PY) -m local up

dashboard: deps      ## the local dashboard over the stack's logs (after `make demo`), on 127.0.0.1:8050
	$(PY) -m local dashboard

test: deps check-tools browser ## the whole suite: unit, integration (local stack), e2e, infra
	$(PY) -m pytest

test-unit: deps
	$(PY) -m pytest tests/unit

test-integration: deps check-tools browser
	$(PY) -m pytest tests/integration tests/local tests/e2e

synth: deps           ## CloudFormation templates into cdk.out/ (offline)
	CDK_OUTDIR=cdk.out $(PY) -m infra.app

bench: deps           ## benchmarks; results in bench-results/
	$(PY) -m tests.bench

# The fault soak: SOAK_SECONDS of faults (default 300) for SOAK_USERS users (default 4); the report
# goes to soak-results/ and its last line is `soak: <n> operations, duplicates=<n>, ...`.
soak: deps check-tools ## fault soak; report in soak-results/
	$(PY) -m tests.soak

lint: deps            ## ruff + mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy layers/domain/basis functions local infra tools tests

format: deps
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf cdk.out build .basis-local .pytest_cache .mypy_cache .ruff_cache
