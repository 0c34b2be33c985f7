"""What the reconciler's passes share: when a transfer is due for it, and one item's error never
stopping the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from basis.platform.observability import logger
from basis.transfers.store import TransferRecord

# A transfer unmoved this long is looked at. Also the grace before a send is judged never sent: no
# saga function runs this long (60 s timeouts), so nothing of a send can still be in flight.
STUCK_AFTER = timedelta(minutes=5)
ALARM_AFTER = timedelta(minutes=30)  # still there after this long: the alarms fire

Item = TypeVar("Item")


def stale(transfer: TransferRecord, now: datetime, age: timedelta = STUCK_AFTER) -> bool:
    """Whether ``transfer`` last moved more than ``age`` before ``now``."""
    return transfer.updated_at is not None and transfer.updated_at < now - age


def due(transfer: TransferRecord, now: datetime) -> bool:
    """Marked for the reconciler by its saga, or unmoved for ``STUCK_AFTER``."""
    return transfer.needs_reconciliation or stale(transfer, now)


def each(
    items: Iterable[Item], resolve: Callable[[Item], str], name: str, label: Callable[[Item], str]
) -> Counter[str]:
    """``resolve`` every item, counting its results as ``<name>_<result>``; an item that raises is
    logged and counted as ``<name>_errors``, and the others go on."""
    counts: Counter[str] = Counter()
    for item in items:
        try:
            counts[f"{name}_{resolve(item)}"] += 1
        except Exception:
            counts[f"{name}_errors"] += 1
            logger.exception(f"reconciler: {name} not resolved", extra={"item": label(item)})
    return counts
