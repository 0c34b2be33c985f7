"""The graphs of the product's own (EMF) metrics, declared once in plain Python: the CloudWatch
dashboard and its alarms (``infra.stacks.observability``) and the local dashboard
(``local.dashboard``) both draw these series, so the two cannot drift apart.

A ``Series`` is one line: ``metric`` over the exact dimension set ``dimensions`` (as CloudWatch
matches it: a point with one more dimension is another metric), summed over the listed values of
each dimension, each period reduced by ``statistic``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

from basis.monitor import outcomes as monitor_outcomes
from basis.positions.saga import STUCK_METRIC
from basis.positions.service import CLOSE_ALL
from basis.risk import kill_switch, manager
from basis.risk.controls import USER_REQUESTED
from basis.scan import outcomes as scan_outcomes
from basis.signing.breaker import TRIP_METRIC
from basis.signing.telemetry import RESULTS as SIGNING_RESULTS
from basis.strategy.store import NO_REOPEN, PAUSES_METRIC
from basis.transfers.reconciler import IN_FLIGHT, WITHDRAWALS_IN_FLIGHT

PERIOD_MINUTES = 5
SIGNING_CHAINS = ("ethereum", "solana")
PAUSE_REASONS = (
    USER_REQUESTED,
    CLOSE_ALL,
    NO_REOPEN,
    manager.DRAWDOWN,
    manager.CONSECUTIVE_FAILURES,
    kill_switch.PAUSE_REASON,
)


@dataclass(frozen=True)
class Series:
    label: str
    metric: str
    dimensions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    statistic: str = "Sum"  # Sum | Maximum | Minimum
    period_minutes: int = PERIOD_MINUTES

    def combinations(self) -> list[dict[str, str]]:
        """Each dimension set the series sums (one, without dimensions)."""
        names = list(self.dimensions)
        return [dict(zip(names, values, strict=True)) for values in product(*self.dimensions.values())]

    def matches(self, metric: str, dimensions: dict[str, str]) -> bool:
        """Whether a point of ``metric`` with ``dimensions`` counts in this series."""
        return (
            metric == self.metric
            and dimensions.keys() == self.dimensions.keys()
            and all(dimensions[name] in values for name, values in self.dimensions.items())
        )


@dataclass(frozen=True)
class Alarm:
    """An alarm when ``series`` is above 0 in a period."""

    name: str
    series: Series
    description: str


@dataclass(frozen=True)
class Graph:
    title: str
    series: tuple[Series, ...]
    stacked: bool = False


def _by(metric: str, dimension: str, values: tuple[str, ...], statistic: str = "Sum") -> tuple[Series, ...]:
    """One series per value of ``dimension``, labelled by the value."""
    return tuple(Series(value, metric, {dimension: (value,)}, statistic) for value in values)


def _outcomes(metric: str, names: tuple[str, ...], *kinds: tuple[str, str]) -> tuple[Series, ...]:
    """``metric``'s outcomes summed by kind: ``(label, outcome)`` for one outcome, ``(label,
    "prefix:")`` for every outcome starting with it."""

    def kind(key: str) -> tuple[str, ...]:
        return tuple(n for n in names if n.startswith(key)) if key.endswith(":") else (key,)

    return tuple(Series(label, metric, {"outcome": kind(key)}) for label, key in kinds)


def _evaluations(title: str, metric: str, names: tuple[str, ...], *own: tuple[str, str]) -> Graph:
    """A worker's evaluations by outcome: its own outcomes, then its skips and its failures summed."""
    kinds = (*own, ("skipped", "skipped:"), ("failed", "failed:"))
    return Graph(title, _outcomes(metric, names, *kinds), stacked=True)


def _count(metric: str, label: str) -> Series:
    """A count the reconciler emits every run: its latest value in the period."""
    return Series(label, metric, statistic="Maximum")


def signing(result: str) -> Series:
    """One signing result summed over chains."""
    return Series(result, "SigningRequests", {"result": (result,), "chain": SIGNING_CHAINS})


# -- series the alarms watch -----------------------------------------------------------------------
POLICY_DENIALS = signing("policy_denied")
BREAKER_OPENED = Series("breaker opened", TRIP_METRIC, {"breaker": ("signing-breaker",)})
GAS_FUNDER_LOW = Series("gas funder low", "GasFunderLow")
# Counted on every gas tick (10 min); the minimum over 30 min is above 0 only when some user
# stayed incomplete the whole time (provisioning itself takes seconds).
INCOMPLETE_WALLETS = Series(
    "users with incomplete wallets", "IncompleteWallets", statistic="Minimum", period_minutes=30
)
# The reconciler (every 5 min) counts deposits stuck after the bridge for 30 min, sends whose
# outcome is unknown, withdrawals stuck for 30 min and cap reservations unresolved for 30 min
# (after resolving what the chain could tell); any above 0 needs a person.
STUCK_DEPOSITS = _count("StuckDeposits", "deposits stuck > 30 min")
UNKNOWN_SENDS = _count("UnknownSendOutcomes", "unknown send outcomes")
FAILED_DEPOSIT_SAGAS = _count("FailedDepositSagas", "failed deposit sagas (24 h)")
STUCK_WITHDRAWALS = _count("StuckWithdrawals", "withdrawals stuck > 30 min")
UNRESOLVED_RESERVATIONS = _count("UnresolvedReservations", "cap reservations unresolved > 30 min")
# A hedge whose unwind or close could not finish (basis.positions.saga.stuck): a person must.
STUCK_HEDGES = Series("hedges stuck_unwind", STUCK_METRIC, {"mode": ("live", "paper")})
(SCAN_ERRORS,) = _outcomes(
    scan_outcomes.METRIC, scan_outcomes.ALL, ("unexpected errors", scan_outcomes.failed(scan_outcomes.ERROR))
)
MONITOR_ERRORS, MONITOR_EXITS_NOT_STARTED = _outcomes(
    monitor_outcomes.METRIC,
    monitor_outcomes.ALL,
    ("unexpected errors", monitor_outcomes.failed(monitor_outcomes.ERROR)),
    ("exits not started", monitor_outcomes.failed(monitor_outcomes.CLOSE)),
)

ALARMS = (
    Alarm("signing-policy-denials", POLICY_DENIALS, "Privy or the preflight denied a signing request."),
    Alarm(
        "signing-breaker-opened", BREAKER_OPENED, "The signing circuit breaker opened: all signing is paused."
    ),
    Alarm(
        "gas-funder-low", GAS_FUNDER_LOW, "The gas funder cannot cover a top-up: fund it (top-ups stopped)."
    ),
    Alarm("incomplete-wallets", INCOMPLETE_WALLETS, "Users have lacked a server wallet for 30 minutes."),
    Alarm(
        "stuck-deposits", STUCK_DEPOSITS, "Deposits have waited over 30 minutes for their Hyperliquid credit."
    ),
    Alarm(
        "unknown-send-outcomes",
        UNKNOWN_SENDS,
        "Deposit transactions were sent (or may have been) unanswered.",
    ),
    Alarm(
        "stuck-withdrawals",
        STUCK_WITHDRAWALS,
        "Withdrawals have waited over 30 minutes for their payout on Arbitrum (or to be recorded).",
    ),
    Alarm(
        "unresolved-reservations",
        UNRESOLVED_RESERVATIONS,
        "Cap reservations stayed unresolved for 30 minutes: they count as spent until resolved.",
    ),
    Alarm(
        "hedge-stuck-unwind",
        STUCK_HEDGES,
        "A hedge could not be unwound or closed: it is stuck_unwind and waits for a person.",
    ),
    Alarm("scan-errors", SCAN_ERRORS, "Scan evaluations failed on an unexpected error (scan_worker's log)."),
    Alarm(
        "monitor-errors",
        MONITOR_ERRORS,
        "Monitor evaluations failed on an unexpected error (monitor_worker's log).",
    ),
    Alarm(
        "monitor-exits-not-started",
        MONITOR_EXITS_NOT_STARTED,
        "Monitor evaluations decided exits it could not start (monitor_worker's log).",
    ),
)

# -- the graphs, in the dashboard's order ------------------------------------------------------------
SIGNING = Graph("Signing requests by result", tuple(map(signing, SIGNING_RESULTS)))
BREAKER = Graph("Policy denials and breaker openings", (POLICY_DENIALS, BREAKER_OPENED))
WALLETS = Graph("Gas funder low, incomplete wallets", (GAS_FUNDER_LOW, INCOMPLETE_WALLETS))
DEPOSITS_BY_STAGE = Graph(
    "Deposits by stage (in flight)", _by("DepositsInStage", "stage", IN_FLIGHT, "Maximum"), stacked=True
)
WITHDRAWALS_BY_STAGE = Graph(
    "Withdrawals by stage (in flight)",
    _by("WithdrawalsInStage", "stage", WITHDRAWALS_IN_FLIGHT, "Maximum"),
    stacked=True,
)
DEPOSITS_ATTENTION = Graph(
    "Deposits needing attention", (STUCK_DEPOSITS, UNKNOWN_SENDS, FAILED_DEPOSIT_SAGAS)
)
WITHDRAWALS_ATTENTION = Graph(
    "Withdrawals and reservations needing attention", (STUCK_WITHDRAWALS, UNRESOLVED_RESERVATIONS)
)
HEDGES_STUCK = Graph("Hedges stuck (unwind or close failed)", (STUCK_HEDGES,))
SCANS = _evaluations(
    "Scan evaluations by outcome",
    scan_outcomes.METRIC,
    scan_outcomes.ALL,
    ("entered", scan_outcomes.ENTERED),
    ("entry ready (nothing started)", scan_outcomes.ENTRY_READY),
)
MONITOR = _evaluations(
    "Monitor evaluations by outcome",
    monitor_outcomes.METRIC,
    monitor_outcomes.ALL,
    ("exited", monitor_outcomes.EXITED),
    ("held", monitor_outcomes.HELD),
)
EXITS = Graph(
    "Monitor exits by reason",
    tuple(
        Series(exit.removeprefix("exit:"), monitor_outcomes.EXITS_METRIC, {"outcome": (exit,)})
        for exit in monitor_outcomes.EXITS
    ),
    stacked=True,
)
PAUSES = Graph("Strategy pauses by reason", _by(PAUSES_METRIC, "reason", PAUSE_REASONS), stacked=True)

GRAPHS = (
    SIGNING,
    BREAKER,
    WALLETS,
    DEPOSITS_BY_STAGE,
    WITHDRAWALS_BY_STAGE,
    DEPOSITS_ATTENTION,
    WITHDRAWALS_ATTENTION,
    HEDGES_STUCK,
    SCANS,
    MONITOR,
    EXITS,
    PAUSES,
)
