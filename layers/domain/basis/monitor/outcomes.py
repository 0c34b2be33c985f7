"""How each user's monitor message ends: one named outcome, logged, counted on the monitor's heartbeat
per slot (next to what the dispatcher queued) and emitted as the ``MonitorEvaluations`` metric; each
exit started is counted too, by reason (``exit:<reason>`` on the heartbeat, ``MonitorExits``).

* ``exited``: at least one of the user's open positions exits (its close started);
* ``held``: every open position was judged and holds (or none is open yet: opening or closing);
* ``skipped:<reason>``: nothing judged (the reasons below);
* ``failed:<reason>``: ``close``, a close that could not be started (counted by the risk manager's
  consecutive-failure breaker); ``unvalued``, a position that could not be judged wholly (a venue
  not answering) and held on what was known.
"""

from __future__ import annotations

from basis.monitor.exits import REASONS
from basis.risk import manager
from basis.scheduling.slots import DUPLICATE_SLOT, ERROR, LEASE_HELD, MALFORMED, STALE_SLOT, failed, skipped

METRIC = "MonitorEvaluations"
EXITS_METRIC = "MonitorExits"
EXITED = "exited"
HELD = "held"
NO_POSITIONS = "no_positions"  # nothing left to watch: the user is unmarked
SKIP_REASONS = (STALE_SLOT, LEASE_HELD, DUPLICATE_SLOT, manager.KILL_SWITCH, NO_POSITIONS)
CLOSE = "close"
UNVALUED = "unvalued"
FAIL_REASONS = (MALFORMED, CLOSE, UNVALUED, ERROR)

ALL = (EXITED, HELD, *map(skipped, SKIP_REASONS), *map(failed, FAIL_REASONS))


def exit_key(reason: str) -> str:
    return f"exit:{reason}"


EXITS = tuple(map(exit_key, REASONS))
