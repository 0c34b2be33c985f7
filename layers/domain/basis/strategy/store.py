"""The strategy store: each user's strategy (or the defaults), saved under optimistic locking.

* ``get`` answers the stored strategy, or the defaults at version 0 for a user who never saved one;
* ``save`` writes new parameters only over ``expected_version`` (C5): another writer first, and
  ``StaleStrategyError`` carries the strategy as it is now;
* ``pause`` / ``resume`` / ``record_close`` change the platform's state of the strategy (each bumps
  the version, so an edit made against the state before them answers 409 and shows the pause);
  ``record_close`` notes a close once (the same close again, or an older one, changes nothing) and,
  without ``auto_reopen``, pauses the strategy (``closed_no_reopen``) until the user resumes it;
* every pause that takes effect (``pause``, or ``record_close`` without ``auto_reopen``) is
  counted as the ``StrategyPauses`` metric by reason (the dashboards' strategy pauses);
* ``active_users`` lists the users to scan from the sparse ``by_active`` index (enabled and not
  paused: the index holds nobody else), never a table scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pynamodb.exceptions import DoesNotExist, PutError

from basis.models import StrategyConfig
from basis.models.base import utcnow
from basis.platform.errors import ConflictError, TransientError
from basis.platform.observability import METRICS_NAMESPACE
from basis.strategy.config import PARAMETER_NAMES, Strategy, StrategyParameters

ACTIVE = "1"
NO_REOPEN = "closed_no_reopen"  # the pause after a close when the strategy does not re-open
ATTEMPTS = 5  # optimistic retries of a platform change (pause, resume, close) racing other writers
PAUSES_METRIC = "StrategyPauses"


class StaleStrategyError(ConflictError, code="stale_version"):
    """The strategy changed since the version the caller read; ``details.current`` is it now (as
    the API shows it), ``current`` too."""

    def __init__(self, current: Strategy, expected: int) -> None:
        super().__init__(
            f"the strategy is at version {current.version}, not {expected}: re-read it and apply the "
            "change again",
            current_version=current.version,
            current=current.as_json(),
        )
        self.current = current


def _parameters(item: StrategyConfig) -> StrategyParameters:
    values = {name: getattr(item, name) for name in PARAMETER_NAMES}
    values["assets"] = tuple(values["assets"])
    values["protocols"] = tuple(values["protocols"])
    values["max_concurrent_positions"] = int(values["max_concurrent_positions"])
    values["cooldown_minutes"] = int(values["cooldown_minutes"])
    return StrategyParameters(**values)


def _strategy(item: StrategyConfig) -> Strategy:
    cooldown = None if item.cooldown_at_close is None else int(item.cooldown_at_close)
    return Strategy(
        user_id=item.user_id,
        parameters=_parameters(item),
        version=int(item.version or 0),
        paused_at=item.paused_at,
        paused_reason=item.paused_reason,
        last_close_time=item.last_close_time,
        cooldown_at_close=cooldown,
        updated_at=item.updated_at,
    )


def _fresh(user_id: str) -> StrategyConfig:
    item = StrategyConfig(user_id)
    _write_parameters(item, StrategyParameters())
    return item


def _write_parameters(item: StrategyConfig, parameters: StrategyParameters) -> None:
    for f in fields(parameters):
        value = getattr(parameters, f.name)
        setattr(item, f.name, list(value) if isinstance(value, tuple) else value)


def _load(user_id: str) -> StrategyConfig | None:
    try:
        return StrategyConfig.get(user_id, consistent_read=True)
    except DoesNotExist:
        return None


def _save(item: StrategyConfig) -> bool:
    """Write ``item`` over the version it was read at; False when another writer came first."""
    item.active_flag = ACTIVE if item.enabled and item.paused_at is None else None
    item.updated_at = utcnow()
    try:
        item.save()
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get(user_id: str) -> Strategy:
    item = _load(user_id)
    return Strategy(user_id) if item is None else _strategy(item)


def save(user_id: str, parameters: StrategyParameters, *, expected_version: int) -> Strategy:
    """Store ``parameters`` (already validated) if the strategy is still at ``expected_version``."""
    item = _load(user_id)
    current = Strategy(user_id) if item is None else _strategy(item)
    if current.version != expected_version:
        raise StaleStrategyError(current, expected_version)
    item = item or StrategyConfig(user_id)
    _write_parameters(item, parameters)
    if not _save(item):
        raise StaleStrategyError(get(user_id), expected_version)
    return _strategy(item)


def _change(user_id: str, change: Callable[[StrategyConfig], bool]) -> Strategy:
    """Apply ``change`` (False: nothing to change) to the stored strategy, creating it with the
    defaults if need be, retrying when another writer came first. A pause it stored is counted."""
    for _ in range(ATTEMPTS):
        item = _load(user_id) or _fresh(user_id)
        was_paused = item.paused_at is not None
        if not change(item):
            return _strategy(item)
        if _save(item):
            if item.paused_reason is not None and not was_paused:
                _count_pause(item.paused_reason)
            return _strategy(item)
    raise TransientError(f"the strategy of {user_id} kept changing under {ATTEMPTS} attempts; retry")


def _count_pause(reason: str) -> None:
    with single_metric(name=PAUSES_METRIC, unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE) as m:
        m.add_dimension("reason", reason)


def pause(user_id: str, reason: str, at: datetime | None = None) -> Strategy:
    """Pause the strategy with ``reason`` (an earlier pause and its reason stay as they are)."""

    def change(item: StrategyConfig) -> bool:
        if item.paused_at is not None:
            return False
        item.paused_at, item.paused_reason = at or utcnow(), reason
        return True

    return _change(user_id, change)


def resume(user_id: str) -> Strategy:
    def change(item: StrategyConfig) -> bool:
        if item.paused_at is None:
            return False
        item.paused_at = item.paused_reason = None
        return True

    return _change(user_id, change)


def record_close(user_id: str, closed_at: datetime) -> Strategy:
    """Note a position's close: the cooldown runs from ``closed_at`` for the number of minutes set
    NOW (N6: lowering the cooldown afterwards does not shorten this one). Without ``auto_reopen``
    the strategy is paused (``NO_REOPEN``): nothing re-enters until the user resumes it. A close at
    or before the last one noted changes nothing, so a close noted again is noted once."""

    def change(item: StrategyConfig) -> bool:
        if item.last_close_time is not None and item.last_close_time >= closed_at:
            return False
        item.last_close_time = closed_at
        item.cooldown_at_close = int(item.cooldown_minutes)
        if not item.auto_reopen and item.paused_at is None:
            item.paused_at, item.paused_reason = closed_at, NO_REOPEN
        return True

    return _change(user_id, change)


def active_users() -> Iterator[str]:
    for key in StrategyConfig.by_active.query(ACTIVE):
        yield key.user_id
