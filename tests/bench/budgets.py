"""The bench's budgets: each limit next to what it bounds, set from the measurements of
2026-12-02 (2 shared cores; README "Budgets") with headroom, and reported as
``{"value": v, "budget": b, "unit": u, "within": v <= b}``. Checked in the report only: no test
asserts a time (a busy machine must not fail the suite), and ``within`` false is for a person to read.
"""

from __future__ import annotations

# Cold start: the CPU seconds of importing each handler module in a fresh interpreter (median;
# wall time is reported too, but on a shared machine it measures the load). Measured 0.46-0.69 s,
# the API 0.94 s (under a load average of about 20 on 2 cores); a new function needs an entry.
COLDSTART_CPU_S: dict[str, float] = {
    "api": 1.25,
    "authorizer": 0.9,
    "scan_dispatcher": 0.9,
    "scan_worker": 0.9,
    "monitor_dispatcher": 0.9,
    "monitor_worker": 0.9,
    "deposit_saga": 0.9,
    "withdrawal_saga": 0.9,
    "hedge_saga": 0.9,
    "provision_wallets": 0.9,
    "gas_dispatcher": 0.9,
    "gas_funder": 0.9,
    "reconciler": 0.9,
}
# Deployment size of a function: its code plus its layers, unzipped (Lambda's hard limit is 250 MB),
# by the layers it uses (catalog ``Function.layers``). Measured 52.1 MB (base) and 141.9 MB (base + chain).
DEPLOYMENT_UNZIPPED_MB: dict[tuple[str, ...], float] = {("base",): 65.0, ("base", "chain"): 175.0}
LAMBDA_UNZIPPED_LIMIT_MB = 250.0
# The local stack: start until the API answers its health route, in seconds (median).
STACK_START_S = 20.0
# One scan cycle for 10,000 enabled users on the local stack.
SCAN_DISPATCH_S = 45.0  # under scan_dispatcher's 60 s timeout and the schedule's 1-minute period
SCAN_WORKER_MS_PER_USER = 35.0
SCAN_CYCLE_S = 400.0  # dispatch plus every message consumed by one local consumer


def budgeted(value: float, budget: float, unit: str) -> dict[str, object]:
    return {"value": value, "budget": budget, "unit": unit, "within": value <= budget}
