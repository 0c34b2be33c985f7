"""How each evaluation of a user ends: one named outcome, logged, counted in the scan's heartbeat per
slot (next to what the dispatcher queued) and emitted as the ``ScanEvaluations`` metric.

* ``entered``: a position was started (``basis.scan.entry``);
* ``entry_ready``: everything said enter, at the size decided, but no position opener is wired, so
  nothing was started (and nothing claims it was);
* ``skipped:<reason>``: nothing to do for this user now (the reasons below, in the order met);
* ``failed:<reason>``: the evaluation could not finish (the next slot evaluates the user afresh).
"""

from __future__ import annotations

from collections import Counter

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from basis.platform import heartbeat
from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.risk import manager
from basis.scan import criteria

JOB = "scan"
ENTERED = "entered"
ENTRY_READY = "entry_ready"

# Why a user was not evaluated, or why the evaluation stopped short of an entry.
STALE_SLOT = "stale_slot"
LEASE_HELD = "lease_held"
DUPLICATE_SLOT = "duplicate_slot"
MAX_POSITIONS = "max_positions"
BALANCE_TOO_LOW = "balance_too_low"
SKIP_REASONS = (
    STALE_SLOT,
    LEASE_HELD,
    DUPLICATE_SLOT,
    # the risk manager's entry block, in its order
    manager.KILL_SWITCH,
    manager.PAUSED,
    manager.DISABLED,
    manager.COOLDOWN,
    manager.DAILY_LIMIT,
    MAX_POSITIONS,
    *criteria.REASONS,
    BALANCE_TOO_LOW,
)
# Why an evaluation failed.
MALFORMED = "malformed"
BALANCE_UNAVAILABLE = "balance_unavailable"
OPEN_POSITION = "open_position"
ERROR = "error"
FAIL_REASONS = (MALFORMED, BALANCE_UNAVAILABLE, OPEN_POSITION, ERROR)


def skipped(reason: str) -> str:
    return f"skipped:{reason}"


def failed(reason: str) -> str:
    return f"failed:{reason}"


ALL = (ENTERED, ENTRY_READY, *map(skipped, SKIP_REASONS), *map(failed, FAIL_REASONS))


class Tally:
    """The outcomes of one batch, by slot (None: a message without one): emitted as metrics, then
    added to the heartbeat once per slot, when the batch is done."""

    def __init__(self) -> None:
        self.by_slot: dict[str | None, Counter[str]] = {}

    def add(self, slot: str | None, outcome: str) -> None:
        self.by_slot.setdefault(slot, Counter())[outcome] += 1

    def flush(self) -> None:
        for outcome, count in sum(self.by_slot.values(), Counter()).items():
            with single_metric(
                name="ScanEvaluations",
                unit=MetricUnit.Count,
                value=count,
                namespace=METRICS_NAMESPACE,
            ) as metric:
                metric.add_dimension("outcome", outcome)
        logger.info("scan batch", extra={"outcomes": {str(s): dict(c) for s, c in self.by_slot.items()}})
        slots, self.by_slot = self.by_slot, {}
        for slot, counts in slots.items():
            if slot is not None:
                heartbeat.tally(JOB, slot, dict(counts))
