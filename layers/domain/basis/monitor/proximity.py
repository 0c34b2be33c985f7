"""Liquidation proximity timers (seed 6.4, C4, G8): since when a leg has been near liquidation.

Each timer is keyed ``<user_id>:<venue>_<id>``, so no user's timer is ever another's:

* ``<user>:asgard_<pda>``: the Asgard long (its position PDA; a paper long, which has none, its
  position id);
* ``<user>:hyperliquid_<coin>``: the Hyperliquid short. A live account's margin is cross margin,
  one ratio for every short of the coin, so they share the timer; a paper short's margin is its
  own (simulated), so its timer is its position id's.

A leg near liquidation starts its timer (kept if already running); a leg read and no longer near
clears it; a leg that could not be read leaves it as it is. Held for the window, the position exits.
The timers live in the user's risk row (``basis.risk.store.change_proximity``), so neither a cold
start nor another worker resets them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from basis.positions.store import PositionRecord


def asgard_key(position: PositionRecord) -> str:
    venue_id = position.position_id if position.paper else position.long.client_id or position.position_id
    return f"{position.user_id}:asgard_{venue_id}"


def hyperliquid_key(position: PositionRecord) -> str:
    venue_id = position.position_id if position.paper else position.asset
    return f"{position.user_id}:hyperliquid_{venue_id}"


def keys(position: PositionRecord) -> tuple[str, str]:
    return asgard_key(position), hyperliquid_key(position)


def track(timers: dict[str, datetime], key: str, near: bool | None, now: datetime, window: timedelta) -> bool:
    """Update ``key``'s timer in ``timers`` for a reading that is ``near`` liquidation (None: not
    read); whether the leg has now been near for the whole ``window``."""
    if near is None:
        return False
    if not near:
        timers.pop(key, None)
        return False
    started = timers.setdefault(key, now)
    return now - started >= window
