"""The gas funder's thresholds (``BASIS_GAS_*``): top a wallet up to ``top_up_to_eth`` when it
holds under ``threshold_eth``; keep ``funder_reserve_eth`` on the funder."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class GasSettings(BasisSettings):
    gas_threshold_eth: Decimal = Field(default=Decimal("0.002"), gt=0)
    gas_top_up_to_eth: Decimal = Field(default=Decimal("0.005"), gt=0)
    gas_funder_reserve_eth: Decimal = Field(default=Decimal(0), ge=0)


get_gas_settings = cached(GasSettings)
