"""The user's balance as the risk manager's drawdown measures it (N7), observed by the position
monitor once per turn of a user with a live position (``basis.risk.manager.observe_balance``), not
while one of the user's live positions is opening or closing: its money is then between the venues
and the user's wallets, and the balance would be partial.

The balance is the Hyperliquid account value plus the equity of the user's open Asgard positions
(their Solana wallet's), the clock read BEFORE the venues. A venue that cannot be read, or an open
Asgard position without its equity, means no observation this turn (logged): a partial balance is
never judged, and the turn goes on (a failed observation never stops the monitoring). Paper
positions are not observed: paper trading has no real balance to draw down.
A drawdown pause only pauses the strategy; the monitor goes on monitoring and closing as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from basis.chains.amounts import USDC_DECIMALS, from_base_units
from basis.platform.config import get_settings
from basis.platform.observability import logger
from basis.positions.store import FINAL, PositionRecord
from basis.risk import manager
from basis.venues.asgard.client import AsgardPosition, AsgardReader
from basis.venues.hyperliquid.trader import HyperliquidTrader
from basis.wallets.store import get_user_wallets


def observable(positions: Iterable[PositionRecord]) -> bool:
    """Whether the balance is observed now: a live position, and every live one ``open``."""
    live = [p.status for p in positions if not p.paper and p.status not in FINAL]
    return bool(live) and all(status == "open" for status in live)


def balance_usd(account_value: Decimal, asgard_positions: Iterable[AsgardPosition]) -> Decimal:
    """Hyperliquid's account value plus the active Asgard positions' equity (USDC base units);
    ``ValueError`` when an active position does not say its equity."""
    total = account_value
    for position in asgard_positions:
        if not position.active:
            continue
        if position.equity is None:
            raise ValueError(f"Asgard position {position.pda} has no equity")
        total += from_base_units(position.equity, USDC_DECIMALS)
    return total


def read_balance(user_id: str) -> Decimal:
    """The user's balance read at both venues now; raises when either cannot be read."""
    wallets = get_user_wallets(user_id)
    if wallets is None or not wallets.evm_address or not wallets.solana_address:
        raise LookupError(f"user {user_id} has no server wallets to read")
    settings = get_settings()
    trader = HyperliquidTrader(str(settings.hyperliquid_api_url), None, wallets.evm_address)
    reader = AsgardReader(str(settings.asgard_api_url))
    account_value = trader.account_state().account_value
    return balance_usd(account_value, reader.positions_of(wallets.solana_address))


def observe(user_id: str) -> None:
    """Read the user's balance and hand it to the risk manager; a failed read is logged, not judged."""
    observed_at = datetime.now(UTC)  # before the venues: a transfer settling meanwhile is not missed
    try:
        balance = read_balance(user_id)
    except Exception as exc:  # a venue not answering, a wallet not there: no observation this turn
        logger.warning(
            "balance not observed", extra={"user_id": user_id, "error": f"{type(exc).__name__}: {exc}"[:300]}
        )
        return
    try:
        manager.observe_balance(user_id, balance, observed_at)
    except Exception:  # the risk row not written: logged, the positions are still judged
        logger.exception("balance observation not recorded", extra={"user_id": user_id})
