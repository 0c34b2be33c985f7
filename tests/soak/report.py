"""The soak's report: requests per service, faults injected by kind, operations by final state,
what the users' journeys saw, duplicates, overshoot, each user's reconciliation, and a last line
``soak: <n> operations, duplicates=<n>, overshoot=<n>, reconciliation_diff=<usd>``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from tests.soak.audit import CENT
from tests.soak.run import SoakResult


def reconciliation_diff(result: SoakResult) -> Decimal:
    """The sum over users of each one's absolute difference, to the cent."""
    return sum((abs(a.diff) for a in result.audits), Decimal(0)).quantize(CENT)


def totals(result: SoakResult) -> dict[str, object]:
    return {
        "operations": sum(a.operations for a in result.audits),
        "duplicates": sum(len(a.duplicates) for a in result.audits),
        "overshoot": sum(len(a.overshoot) for a in result.audits),
        "not_final": sum(len(a.not_final) for a in result.audits),
        "reconciliation_diff": reconciliation_diff(result),
    }


def last_line(result: SoakResult) -> str:
    t = totals(result)
    return (
        f"soak: {t['operations']} operations, duplicates={t['duplicates']}, "
        f"overshoot={t['overshoot']}, reconciliation_diff={t['reconciliation_diff']}"
    )


def _counts(counts: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"


def render(result: SoakResult) -> str:
    c = result.config
    lines = [
        f"soak report: {c.users} users, {c.seconds:g} s of faults, seed {c.seed}",
        f"timings (s since start): {_counts(result.timings)}",
        f"requests: {_counts(result.requests)}",
        f"market: {_counts(result.market)}",
        "injected faults:",
    ]
    for service, kinds in result.injected.items():
        lines.append(f"  {service}: {_counts(kinds)} (total {sum(kinds.values())})")
    lines.append(f"  dynamodb paused {result.paused_seconds} s in all")
    states: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    journeys: Counter[str] = Counter()
    for audit in result.audits:
        states.update(audit.states)
        failures.update(audit.failures)
    for run in result.runs:
        journeys.update(run.outcomes)
    lines += [
        f"operations by final state: {_counts(states)}",
        "failed, and why:",
        *(f"  {n} x {why}" for why, n in sorted(failures.items())),
        f"journey steps: {_counts(journeys)}",
        f"cycles: {sum(r.cycles for r in result.runs)}, API calls {sum(r.api_calls for r in result.runs)} "
        f"({sum(r.api_retries for r in result.runs)} retried)",
        f"reconciler: {_counts(result.reconciler)}",
    ]
    for label, attribute in (
        ("not final", "not_final"),
        ("duplicates", "duplicates"),
        ("overshoot", "overshoot"),
    ):
        found = [f"  {a.user_id}: {item}" for a in result.audits for item in getattr(a, attribute)]
        lines.append(f"{label}: {len(found)}")
        lines += found
    lines.append("reconciliation per user (funded + records = held):")
    for audit in result.audits:
        records = " ".join(f"{k}={v.quantize(CENT)}" for k, v in audit.records.items())
        held = " ".join(f"{k}={v.quantize(CENT)}" for k, v in audit.held.items())
        lines.append(
            f"  {audit.user_id}: {records} -> expected {audit.expected.quantize(CENT)}; held {held}; "
            f"diff {audit.diff.quantize(CENT)}"
        )
    errors = [f"  {r.user_id}: {e}" for r in result.runs for e in r.errors] + [
        f"  {p}" for p in result.problems
    ]
    if errors:
        lines.append("soak errors:")
        lines += errors
    lines.append(last_line(result))
    return "\n".join(lines)


def clean(result: SoakResult) -> bool:
    """Whether the soak found nothing: every operation final, no duplicate, no overshoot, no diff."""
    t = totals(result)
    return (
        t["duplicates"] == t["overshoot"] == t["not_final"] == 0
        and t["reconciliation_diff"] == Decimal("0.00")
        and not result.problems
    )
