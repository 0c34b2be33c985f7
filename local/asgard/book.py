"""Leveraged SOL longs as the Asgard simulator books them: integers in base units (USDC 1e-6,
SOL lamports 1e-9), prices as Decimals, rounding always in the venue's favour (floor).

A long of ``collateral`` USDC at leverage ``L`` borrows ``collateral * (L - 1)`` USDC and holds
``notional / price`` SOL. Its equity at price ``p`` is ``value(p) - debt``; the debt grows with
interest. Health follows Asgard's definition: the percentage the SOL price can drop before the
position is liquidatable (collateral value x maintenance weight <= debt).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

SOL_MINT = "So11111111111111111111111111111111111111112"
USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
PROTOCOLS = {0: "Marginfi", 1: "Kamino", 2: "Solend", 3: "Drift"}
ACTIVE, CLOSED, LIQUIDATED = 0, 1, 2  # Asgard documents 0 = Active; the others are this simulator's
STATUS = {ACTIVE: "active", CLOSED: "closed", LIQUIDATED: "liquidated"}
LAMPORTS_PER_USDC_UNIT = 1000  # 1e9 lamports per SOL / 1e6 base units per USDC
HOURS_PER_YEAR = 8760


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Terms:
    """One lending protocol's parameters for SOL/USDC."""

    protocol: int
    max_leverage: Decimal
    maintenance_weight: Decimal  # SOL collateral counts this fraction of its value against debt
    borrow_apy: Decimal  # USDC borrowing rate, decimal (0.08 = 8 %)
    lending_apy: Decimal


DEFAULT_TERMS = {
    0: Terms(0, Decimal(5), Decimal("0.90"), Decimal("0.080"), Decimal("0.065")),
    1: Terms(1, Decimal(5), Decimal("0.90"), Decimal("0.075"), Decimal("0.060")),
    2: Terms(2, Decimal(4), Decimal("0.85"), Decimal("0.090"), Decimal("0.070")),
    3: Terms(3, Decimal(5), Decimal("0.90"), Decimal("0.085"), Decimal("0.062")),
}


def opening(collateral: int, leverage: Decimal, price: Decimal) -> tuple[int, int]:
    """(SOL size in lamports, USDC debt in base units) for a new long."""
    debt = _floor(Decimal(collateral) * (leverage - 1))
    size = _floor(Decimal(collateral + debt) * LAMPORTS_PER_USDC_UNIT / price)
    return size, debt


def value_of(size_lamports: int, price: Decimal) -> int:
    """USDC base units ``size_lamports`` of SOL are worth at ``price``."""
    return _floor(Decimal(size_lamports) * price / LAMPORTS_PER_USDC_UNIT)


@dataclass
class Position:
    id: int
    pda: str
    owner: str
    protocol: int
    leverage: Decimal
    collateral: int
    size: int  # lamports
    debt: int  # USDC base units, interest included
    entry_price: Decimal
    terms: Terms
    state: int = ACTIVE
    interest: int = 0
    open_tx: str | None = None
    opened_at: str | None = None
    close_tx: str | None = None
    closed_at: str | None = None
    equity_withdrawn: int | None = None
    liquidation_events: list[dict[str, Any]] = field(default_factory=list)

    def value(self, price: Decimal) -> int:
        return value_of(self.size, price)

    def equity(self, price: Decimal) -> int:
        return max(0, self.value(price) - self.debt)

    def liquidation_price(self) -> Decimal:
        return (
            Decimal(self.debt) * LAMPORTS_PER_USDC_UNIT / (Decimal(self.size) * self.terms.maintenance_weight)
        )

    def health_factor(self, price: Decimal) -> Decimal:
        """Percent the price can fall before liquidation (Asgard's ``healthFactor``), 2 dp."""
        if self.debt == 0:
            return Decimal(100)
        drop = max(Decimal(0), 1 - self.liquidation_price() / price) * 100
        return drop.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)

    def collateral_ratio(self, price: Decimal) -> Decimal:
        """Position value over debt (>1 is solvent)."""
        if self.debt == 0:
            return Decimal("Infinity")
        return (Decimal(self.value(price)) / Decimal(self.debt)).quantize(
            Decimal("0.0001"), rounding=ROUND_FLOOR
        )

    def liquidatable(self, price: Decimal) -> bool:
        return Decimal(self.value(price)) * self.terms.maintenance_weight <= self.debt

    def accrue(self, hours: Decimal) -> int:
        """Adds interest for ``hours`` on the current debt; the amount added."""
        if self.state != ACTIVE:
            return 0
        added = _floor(Decimal(self.debt) * self.terms.borrow_apy * hours / HOURS_PER_YEAR)
        self.debt += added
        self.interest += added
        return added

    def record(self, price: Decimal) -> dict[str, Any]:
        """The position as the API answers it: Asgard's ``margin_positions`` names, plus the
        numbers the risk engine reads (amounts as strings, base units in ``*Native``)."""
        active = self.state == ACTIVE
        return {
            "id": self.id,
            "ownerAddress": self.owner,
            "positionPda": self.pda,
            "protocol": self.protocol,
            "protocolName": PROTOCOLS[self.protocol],
            "direction": 0,
            "state": self.state,
            "status": STATUS[self.state],
            "tokenATokenMint": SOL_MINT,
            "tokenBTokenMint": USDC_MINT,
            "leverage": str(self.leverage),
            "tokenAEntryPriceUSD": str(self.entry_price),
            "tokenBEntryPriceUSD": "1",
            "tokenAPriceUSD": str(price),
            "collateralAmountNative": str(self.collateral),
            "tokenAAmountNative": str(self.size),
            "tokenBAmountNative": str(self.debt),
            "interestAccruedNative": str(self.interest),
            "tokenAAmountUICurrent": str(Decimal(self.size).scaleb(-9)),
            "tokenBAmountUICurrent": str(Decimal(self.debt).scaleb(-6)),
            "valueNative": str(self.value(price)) if active else None,
            "equityNative": str(self.equity(price)) if active else None,
            "healthFactor": float(self.health_factor(price)) if active else None,
            "collateralRatio": str(self.collateral_ratio(price)) if active else None,
            "liquidationPriceUSD": str(self.liquidation_price().quantize(Decimal("0.0001"))),
            "openTxHash": self.open_tx,
            "openedAt": self.opened_at,
            "closeTxHash": self.close_tx,
            "closedAt": self.closed_at,
            "equityWithdrawnNative": None if self.equity_withdrawn is None else str(self.equity_withdrawn),
            "liquidationEvents": list(self.liquidation_events),
        }
