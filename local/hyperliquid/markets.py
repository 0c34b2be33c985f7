"""Perp markets of the Hyperliquid simulator: metadata, mark prices, funding rate paths, tick rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

USD_PLACES = Decimal("0.000001")  # USDC has 6 decimals on Hyperliquid
MAX_PRICE_SIG_FIGS = 5
PERP_MAX_DECIMALS = 6


def usd(value: Decimal) -> Decimal:
    """A USDC amount rounded to the 6 decimals the ledger keeps."""
    return value.quantize(USD_PLACES, rounding=ROUND_HALF_EVEN)


def wire(value: Decimal | int | None) -> str | None:
    """Hyperliquid's float strings: plain notation, trailing zeros stripped, at least one decimal."""
    if value is None:
        return None
    d = Decimal(value)
    if d == 0:
        return "0.0"
    text = format(d.normalize(), "f")
    return text if "." in text else text + ".0"


@dataclass
class Market:
    """One perp: its asset index is its position in the universe."""

    name: str
    sz_decimals: int
    max_leverage: int
    mark: Decimal
    funding_path: list[Decimal] = field(default_factory=lambda: [Decimal("0.0000125")])
    funding_step: int = 0  # index of the next rate in the path
    prev_day_px: Decimal | None = None
    open_interest: Decimal = Decimal(0)
    day_volume: Decimal = Decimal(0)

    @property
    def next_rate(self) -> Decimal:
        return self.funding_path[self.funding_step % len(self.funding_path)]

    def take_rate(self) -> Decimal:
        rate = self.next_rate
        self.funding_step += 1
        return rate

    @property
    def price_decimals(self) -> int:
        return PERP_MAX_DECIMALS - self.sz_decimals

    def valid_size(self, sz: Decimal) -> bool:
        return sz > 0 and sz == sz.quantize(Decimal(1).scaleb(-self.sz_decimals))

    def valid_price(self, px: Decimal) -> bool:
        """Hyperliquid's tick rule: at most 5 significant figures (integers always allowed) and at
        most ``6 - szDecimals`` decimals."""
        if px <= 0:
            return False
        if px != px.quantize(Decimal(1).scaleb(-self.price_decimals)):
            return False
        if px == px.to_integral_value():
            return True
        digits = px.normalize().as_tuple().digits
        return len(digits) <= MAX_PRICE_SIG_FIGS

    def round_price(self, px: Decimal) -> Decimal:
        """The nearest valid price (5 significant figures, then the decimals limit)."""
        if px <= 0:
            raise ValueError("price must be positive")
        integral_digits = len(str(int(px))) if px >= 1 else 0
        if integral_digits >= MAX_PRICE_SIG_FIGS:
            return px.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        exponent = px.adjusted() - (MAX_PRICE_SIG_FIGS - 1)
        places = min(-exponent, self.price_decimals)
        return px.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def default_markets() -> list[Market]:
    """BTC, ETH and SOL with mainnet's size decimals and maximum leverage."""
    return [
        Market("BTC", 5, 40, Decimal("95000")),
        Market("ETH", 4, 25, Decimal("3500")),
        Market("SOL", 2, 20, Decimal("150")),
    ]
