"""The size of a new position (seed 6.7): the user's free balance times ``max_position_pct``, at most
the system's ``max_position_usd``; under ``min_position_usd`` nothing opens (the user's percentage is
never exceeded to reach the minimum). The size is the capital deployed, both legs together, rounded
down to the cent.

The balance, per mode:
* live: what can back a new hedge now, read from the venues (``basis.venues.balances``): the USDC in
  the Solana server wallet (the Asgard long's collateral) plus Hyperliquid's ``withdrawable`` (the
  short's free margin). USDC still on Arbitrum is not deployed until deposited. A venue that cannot
  be read fails the evaluation: a size is never taken from part of the balance;
* paper: the notional ``BASIS_SCAN_PAPER_BALANCE_USD`` (10,000 by default), the same for every paper
  strategy, with nothing of it held by open paper positions (the positions store is not read yet).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from basis.platform.errors import TransientError
from basis.scan.settings import get_scan_settings
from basis.strategy.config import StrategyParameters
from basis.strategy.limits import CAPS
from basis.venues.balances import balances

CENT = Decimal("0.01")
# (venue, asset) of the balances a live hedge is funded from.
FREE_CAPITAL = (("solana", "USDC"), ("hyperliquid", "withdrawable"))


class BalanceUnavailableError(TransientError, code="balance_unavailable"):
    """A venue the position would be funded from could not be read."""


def size_usd(balance: Decimal, max_position_pct: Decimal) -> Decimal | None:
    """``balance * max_position_pct / 100`` capped at the system maximum; None under the minimum."""
    size = min(balance * max_position_pct / 100, CAPS.max_position_usd).quantize(CENT, rounding=ROUND_DOWN)
    return size if size >= CAPS.min_position_usd else None


def live_balance(user_id: str) -> Decimal:
    """Solana USDC plus Hyperliquid withdrawable, read now."""
    read = {(b.venue, b.asset): b for b in balances(user_id, venues=("solana", "hyperliquid"))}
    total = Decimal(0)
    for venue, asset in FREE_CAPITAL:
        entry = read.get((venue, asset))
        if entry is None or entry.amount is None:
            error = next((b.error for (v, _), b in read.items() if v == venue and b.error), "not reported")
            raise BalanceUnavailableError(f"{venue} {asset} balance of {user_id}: {error}", venue=venue)
        total += Decimal(entry.amount)
    return total


def balance(user_id: str, parameters: StrategyParameters) -> Decimal:
    """What the position is sized from: the notional paper balance, or the live free balance."""
    if parameters.mode == "paper":
        return get_scan_settings().scan_paper_balance_usd
    return live_balance(user_id)
