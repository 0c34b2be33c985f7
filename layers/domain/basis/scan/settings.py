"""Scan settings (``BASIS_SCAN_*``): the per-user lease, how old a slot may be when a worker gets it,
and the notional balance paper strategies are sized from."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class ScanSettings(BasisSettings):
    # Longer than one evaluation (venue reads time out at 10 s each); a worker that dies holding it
    # delays that user's next scan by at most this long.
    scan_lease_seconds: int = Field(default=60, ge=10, le=900)
    # A message older than this (redelivered, or a backlog) decides on a stale market: dropped, the
    # next slot brings fresh data.
    scan_slot_max_age_seconds: int = Field(default=120, ge=30, le=3600)
    # Paper strategies trade no money: they are sized from this notional balance.
    scan_paper_balance_usd: Decimal = Field(default=Decimal(10_000), gt=0)


get_scan_settings = cached(ScanSettings)
