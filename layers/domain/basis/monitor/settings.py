"""Position monitor settings (``BASIS_MONITOR_*``).

* the per-user lease and how old a slot may be when a worker gets it (as the scan's);
* liquidation proximity: an Asgard long whose health factor (the percent the price may still fall
  before it is liquidatable) is at or under ``monitor_asgard_min_health_pct``, or a Hyperliquid
  short whose margin ratio (maintenance margin over account value: 1 is liquidation) is at or over
  ``monitor_hyperliquid_max_margin_ratio``, is near liquidation; held for
  ``monitor_proximity_window_seconds`` (the seed's 20 s) it exits. A reading that recovers before
  then clears the timer.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class MonitorSettings(BasisSettings):
    # Longer than one user's evaluation (each position's venue reads time out at 10 s).
    monitor_lease_seconds: int = Field(default=90, ge=10, le=900)
    monitor_slot_max_age_seconds: int = Field(default=120, ge=30, le=3600)
    monitor_proximity_window_seconds: float = Field(default=20.0, ge=0, le=3600)
    # An Asgard long at 5x (the system's cap) opens about 11 % from liquidation: under that.
    monitor_asgard_min_health_pct: Decimal = Field(default=Decimal(5), gt=0, lt=100)
    monitor_hyperliquid_max_margin_ratio: Decimal = Field(default=Decimal("0.8"), gt=0, lt=1)


get_monitor_settings = cached(MonitorSettings)
