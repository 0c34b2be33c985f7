"""How each evaluation of a user ends: one named outcome, logged, counted in the scan's heartbeat per
slot (next to what the dispatcher queued) and emitted as the ``ScanEvaluations`` metric.

* ``entered``: a position was started (``basis.scan.entry``);
* ``entry_ready``: everything said enter, at the size decided, but no position opener is wired, so
  nothing was started (and nothing claims it was);
* ``skipped:<reason>``: nothing to do for this user now (the reasons below, in the order met);
* ``failed:<reason>``: the evaluation could not finish (the next slot evaluates the user afresh).
"""

from __future__ import annotations

from basis.risk import manager
from basis.scan import criteria
from basis.scheduling.slots import DUPLICATE_SLOT, ERROR, LEASE_HELD, MALFORMED, STALE_SLOT, failed, skipped

JOB = "scan"
METRIC = "ScanEvaluations"
ENTERED = "entered"
ENTRY_READY = "entry_ready"

# Why a user was not evaluated, or why the evaluation stopped short of an entry.
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
BALANCE_UNAVAILABLE = "balance_unavailable"
OPEN_POSITION = "open_position"
FAIL_REASONS = (MALFORMED, BALANCE_UNAVAILABLE, OPEN_POSITION, ERROR)

ALL = (ENTERED, ENTRY_READY, *map(skipped, SKIP_REASONS), *map(failed, FAIL_REASONS))
