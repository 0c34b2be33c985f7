"""The positions service behind the scan's seam (``basis.scan.entry.Positions``).

* ``open_count``: the user's positions that have not ended, ``stuck_unwind`` included (a leg may
  still be open there): everything but ``closed`` and ``failed``;
* ``open``: ``basis.positions.service.open_position`` under the entry's position id (a second call
  for the same slot answers the same position; its saga is started once). The scan sizes the
  capital deployed, both legs together; the service takes each leg's notional: the Asgard long puts
  up ``notional / leverage`` and the Hyperliquid short ``notional / floor(leverage)`` of margin, so
  ``notional = capital / (1 / leverage + 1 / floor(leverage))``, rounded down to the cent.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from basis.positions import service
from basis.positions.legs import hl_leverage
from basis.scan.entry import Entry

ENDED = frozenset({"closed", "failed"})
CENT = Decimal("0.01")


def notional_per_leg(capital: Decimal, leverage: Decimal) -> Decimal:
    margin_per_notional = 1 / leverage + Decimal(1) / hl_leverage(leverage)
    return (capital / margin_per_notional).quantize(CENT, rounding=ROUND_DOWN)


class ServicePositions:
    def open_count(self, user_id: str) -> int:
        return sum(1 for p in service.list_positions(user_id) if p.status not in ENDED)

    def open(self, entry: Entry) -> None:
        service.open_position(
            entry.user_id,
            asset=entry.asset,
            size_usd=notional_per_leg(entry.size_usd, entry.leverage),
            leverage=entry.leverage,
            mode="paper" if entry.mode == "paper" else "live",
            reason=f"scan {entry.slot}: funding {entry.funding_hourly}/h, carry {entry.carry_apy:.2f} %/yr",
            position_id=entry.position_id,
        )
