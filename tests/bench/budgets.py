"""The bench's budgets: each limit next to what it bounds, set from the measurements of
2026-12-02 on a quiet moment of a 2-core machine (load average 1-4; README "Budgets") with
headroom, and reported as ``{"value": v, "budget": b, "unit": u, "within": v <= b}``. Checked in
the report only: no test asserts a time (a busy machine must not fail the suite); ``within`` false
is for a person to read next to the load average the report records.
"""

from __future__ import annotations

# Cold start: the CPU seconds of importing each handler module in a fresh interpreter (median;
# wall time is reported too, but on a shared machine it measures the load). Measured 0.36-0.60 s,
# the API 0.78 s (0.46-0.69 s and 0.94 s at a load average of 20); a new function needs an entry.
COLDSTART_CPU_S: dict[str, float] = {
    "api": 1.1,
    "authorizer": 0.8,
    "scan_dispatcher": 0.8,
    "scan_worker": 0.8,
    "monitor_dispatcher": 0.8,
    "monitor_worker": 0.8,
    "deposit_saga": 0.8,
    "withdrawal_saga": 0.8,
    "hedge_saga": 0.8,
    "provision_wallets": 0.8,
    "gas_dispatcher": 0.8,
    "gas_funder": 0.8,
    "reconciler": 0.8,
}
# Deployment size of a function: its code plus its layers, unzipped (Lambda's hard limit is 250 MB),
# by the layers it uses (catalog ``Function.layers``). Measured 52.1 MB (base) and 141.9 MB (base + chain).
DEPLOYMENT_UNZIPPED_MB: dict[tuple[str, ...], float] = {("base",): 65.0, ("base", "chain"): 175.0}
# The local stack: start until the API answers its health route, in seconds (median of 3).
STACK_START_S = 15.0  # measured 9.1 s (8.0-9.8); DynamoDB Local's JVM is half of it
# One scan cycle for 10,000 enabled users on the local stack (measured 18.1 s, 12.2 ms, 168 s).
SCAN_DISPATCH_S = 30.0  # also under scan_dispatcher's 60 s timeout and the schedule's 1-minute period
SCAN_WORKER_MS_PER_USER = 20.0  # the handler's time per idle user
SCAN_CYCLE_S = 240.0  # dispatch plus every message consumed by one local consumer


def budgeted(value: float, budget: float, unit: str) -> dict[str, object]:
    return {"value": value, "budget": budget, "unit": unit, "within": value <= budget}
