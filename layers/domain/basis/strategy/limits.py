"""The strategy's defaults and the system's hard caps (seed 7.1.4, 7.3.4), in one frozen place.

Read at save time (a strategy outside the caps is refused, naming the field and the limit) and at
execution time (sizing, cooldown, risk checks clamp to them whatever is stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SystemCaps:
    max_leverage: Decimal = Decimal(5)
    min_stop_loss_pct: Decimal = Decimal(1)
    min_cooldown_minutes: int = 5
    min_position_usd: Decimal = Decimal(100)
    max_position_usd: Decimal = Decimal(50_000)
    max_positions: int = 3
    assets: tuple[str, ...] = ("SOL",)
    # Asgard's lending protocols for the long leg (its LendingProtocol numbering).
    protocols: tuple[str, ...] = ("marginfi", "kamino", "solend", "drift")
    max_drawdown_pct: Decimal = Decimal(20)
    max_daily_trades: int = 20
    breaker_failures: int = 3


CAPS = SystemCaps()


@dataclass(frozen=True)
class StrategyDefaults:
    """What a user who never saved a strategy gets (disabled until they enable it)."""

    enabled: bool = False
    mode: str = "paper"
    assets: tuple[str, ...] = ("SOL",)
    protocols: tuple[str, ...] = ("marginfi", "kamino", "solend", "drift")
    min_carry_apy: Decimal = Decimal(15)
    min_funding_rate_8hr: Decimal = Decimal("0.005")
    max_funding_volatility: Decimal = Decimal(50)
    max_position_pct: Decimal = Decimal(25)
    max_concurrent_positions: int = 2
    max_leverage: Decimal = Decimal(3)
    min_exit_carry_apy: Decimal = Decimal(5)
    take_profit_pct: Decimal | None = None
    stop_loss_pct: Decimal = Decimal(10)
    auto_reopen: bool = True
    cooldown_minutes: int = 30


DEFAULTS = StrategyDefaults()
