"""The scan's one seam to the positions service: the entry it decided, and what starts it.

The worker needs two things of the positions service (``Positions``): how many of the user's
positions are not closed yet (``open_count``), and to start the hedge for an ``Entry`` (``open``,
raising when it could not be started). The function's handler wires them; while no positions
service is wired (``None``), the worker counts nothing, starts nothing and ends the evaluation
``entry_ready``, with the entry it would have started in the log.

The position id is derived from the user and the slot: a slot delivered twice asks for the same
position, so an opener that starts each position id once (a saga execution named after it) never
opens two for one slot.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Protocol

from basis.scan.criteria import Opportunity
from basis.strategy.config import StrategyParameters


@dataclass(frozen=True)
class Entry:
    position_id: str
    user_id: str
    slot: str
    mode: str  # paper: simulated fills, nothing signed
    asset: str
    size_usd: Decimal  # capital deployed, both legs together
    leverage: Decimal
    protocols: tuple[str, ...]  # Asgard lending protocols the long may use
    funding_hourly: Decimal  # what the decision saw
    carry_apy: Decimal
    mid: Decimal | None

    def describe(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}


class Positions(Protocol):
    def open_count(self, user_id: str) -> int:
        """The user's positions that are not closed (opening, open, closing, stuck)."""
        ...

    def open(self, entry: Entry) -> None:
        """Start the hedge for ``entry`` (at most once per position id); raise if it cannot start."""
        ...


def position_id(user_id: str, slot: str) -> str:
    return "pos-" + hashlib.sha256(f"{user_id}|{slot}".encode()).hexdigest()[:32]


def entry(
    user_id: str, slot: str, parameters: StrategyParameters, opportunity: Opportunity, size: Decimal
) -> Entry:
    market = opportunity.market
    return Entry(
        position_id=position_id(user_id, slot),
        user_id=user_id,
        slot=slot,
        mode=parameters.mode,
        asset=market.asset,
        size_usd=size,
        leverage=opportunity.leverage,
        protocols=parameters.protocols,
        funding_hourly=market.funding_hourly,
        carry_apy=opportunity.carry_apy,
        mid=market.mid,
    )
