"""The market moving under the soak (seeded): SOL's price walks a little on both venues at once
(Hyperliquid's mark and Asgard's price), and now and then Asgard's positions accrue an hour of
interest. So the hedges close with PnL and interest that the product must record to the cent.

Hyperliquid's funding is not settled during the soak: the simulator stamps a settlement an hour
ahead of the last on its own clock, so the wall-clock times the product looks for payments from
(since a leg opened) would no longer order them; the scan needs only the history ``set_up`` makes."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

from local.runtime.stack import LocalStack

HOURLY_FUNDING = Decimal("0.0000125")  # 0.01 % per 8 hours: the scan enters at 3x
START_PRICE = Decimal(150)
CENT = Decimal("0.01")


class MarketMotion:
    def __init__(self, stack: LocalStack, seed: int, *, every: float = 5.0, hour_every: int = 4) -> None:
        self.stack = stack
        self.rng = random.Random(seed)
        self.every = every
        self.hour_every = hour_every
        self.price = START_PRICE
        self.ticks = 0
        self.hours = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="soak-market", daemon=True)

    def set_up(self) -> MarketMotion:
        """A funding history for the scan to measure, and one price on both venues."""
        self.stack.hyperliquid.set_funding_path("SOL", [HOURLY_FUNDING])
        self.stack.hyperliquid.accrue_funding(2)
        self._set_price(START_PRICE)
        return self

    def start(self) -> MarketMotion:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _set_price(self, price: Decimal) -> None:
        self.price = price
        self.stack.hyperliquid.set_mark("SOL", price)
        self.stack.asgard.set_price(price)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.ticks += 1
            move = Decimal(str(self.rng.uniform(-0.004, 0.004)))
            self._set_price((self.price * (1 + move)).quantize(CENT))
            if self.ticks % self.hour_every == 0:
                self.hours += 1
                self.stack.asgard.accrue(1)
