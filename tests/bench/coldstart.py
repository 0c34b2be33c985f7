"""Cold-start cost of each function: importing its handler module in a fresh interpreter, with the
environment a deployment gives it, reporting wall and CPU time, which heavy chain libraries it loaded,
which settings classes it loaded without validating them at cold start, and whether its handler
runs inside the Powertools tracer."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from infra.catalog import FUNCTIONS
from tests.bench import budgets
from tests.bench.budgets import budgeted

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("web3", "solders", "privy", "hyperliquid", "eth_account", "boto3")

PROBE = """
import importlib.util, json, sys, time
start, cpu = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
from basis.platform.settings import _GETTERS
unvalidated = sorted(c.__name__ for c, get in _GETTERS.items() if not get.cache_info().currsize)
heavy = sorted(m for m in HEAVY if m in sys.modules)
wrappers, fn = [], module.handler
while fn is not None:
    wrappers.append(fn.__code__.co_filename)
    fn = getattr(fn, "__wrapped__", None)
traced = any(f.endswith("aws_lambda_powertools/tracing/tracer.py") for f in wrappers)
found = {"heavy": heavy, "unvalidated_settings": unvalidated, "traced": traced}
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, **found}))
""".replace("HEAVY", repr(HEAVY))

DEPLOYED_ENV = {
    "AWS_REGION": "us-east-1",
    "BASIS_STAGE": "dev",
    "BASIS_TABLE_PREFIX": "basis-dev-",
    "BASIS_PRIVY_API_URL": "https://api.privy.io",
    "BASIS_PRIVY_APP_ID": "app",
    "BASIS_HYPERLIQUID_API_URL": "https://api.hyperliquid.xyz",
    "BASIS_ARBITRUM_RPC_URL": "https://arb1.arbitrum.io/rpc",
    "BASIS_SOLANA_RPC_URL": "https://api.mainnet-beta.solana.com",
    "BASIS_ASGARD_API_URL": "https://api.asgard.finance",
    "BASIS_SECRET_NAME": "basis-dev-secrets",
    "BASIS_SCAN_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/basis-dev-scan",
    "BASIS_MONITOR_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/basis-dev-monitor",
    "BASIS_DEPOSIT_SAGA_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:basis-dev-deposit-saga",
    "BASIS_GAS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/basis-dev-gas",
    "BASIS_EVENT_BUS_NAME": "basis-dev-events",
    "BASIS_PRIVY_VERIFICATION_KEY": "-----BEGIN PUBLIC KEY-----\\nunused\\n-----END PUBLIC KEY-----",
}


def import_once(name: str, deployed: dict[str, str] = DEPLOYED_ENV) -> dict[str, object]:
    """Import the handler in a fresh interpreter with ``deployed`` as its ``BASIS_*`` environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASIS_")}
    env.update(deployed)
    env["PYTHONPATH"] = str(ROOT / "layers" / "domain")
    handler = ROOT / "functions" / name / "handler.py"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(handler)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(repeats: int = 5) -> dict[str, dict[str, object]]:
    results = {}
    for fn in FUNCTIONS:
        runs = [import_once(fn.name) for _ in range(repeats)]
        seconds = sorted(float(r["seconds"]) for r in runs)  # type: ignore[arg-type]
        cpu = statistics.median(float(r["cpu_seconds"]) for r in runs)  # type: ignore[arg-type]
        results[fn.name] = {
            # CPU time is what the import costs on an idle machine; wall time depends on the load.
            "median_cpu_s": budgeted(round(cpu, 3), budgets.COLDSTART_CPU_S[fn.name], "s"),
            "median_s": round(statistics.median(seconds), 3),
            "min_s": round(seconds[0], 3),
            "heavy_modules": runs[0]["heavy"],
            "layers": list(fn.layers),
        }
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
