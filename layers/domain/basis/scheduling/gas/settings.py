"""Gas fan-out settings: where the gas dispatcher queues one check per user with an EVM wallet."""

from __future__ import annotations

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class GasDispatchSettings(BasisSettings):
    gas_queue_url: str = Field(min_length=1)


get_gas_dispatch_settings = cached(GasDispatchSettings)
