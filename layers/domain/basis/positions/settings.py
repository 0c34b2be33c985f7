"""Position settings: the hedge sagas' state machines (started by whoever opens or closes a
position) and how their legs behave.

* ``hedge_max_leg_attempts``: orders a leg may place before it is refused (each attempt has its own
  client id; an attempt Hyperliquid refused or did not fill is followed by the next one).
* ``asgard_landing_window_seconds``: how long a submitted Asgard transaction may still land (its
  blockhash's life on Solana); a leg whose PDA Asgard has not booked is not rebuilt before then.
* ``paper_taker_fee``: the fee a simulated Hyperliquid fill pays (Hyperliquid's base taker rate).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class PositionSettings(BasisSettings):
    # Set (by CDK and the local stack) on the functions that start hedge sagas.
    hedge_open_saga_arn: str | None = Field(default=None, min_length=1)
    hedge_close_saga_arn: str | None = Field(default=None, min_length=1)
    hedge_max_leg_attempts: int = Field(default=3, ge=1, le=10)
    asgard_landing_window_seconds: float = Field(default=90.0, ge=0, le=600)
    paper_taker_fee: Decimal = Field(default=Decimal("0.00045"), ge=0, lt=Decimal("0.01"))


get_position_settings = cached(PositionSettings)
