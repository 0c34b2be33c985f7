"""Signing-layer limits and retry schedule, read from ``BASIS_*`` (validated once per cold start).

Caps are in human units (USDC, SOL, units of a ``spl_cap_decimals`` token) and count over a rolling
24 h per user; ``MAX_USDC_DAILY`` is the same variable the Privy policy settings read.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from basis.chains import arbitrum, solana
from basis.chains.amounts import lamports, to_base_units, usdc_base_units


class SigningSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASIS_", frozen=True, extra="ignore")

    max_usdc_daily: Decimal = Field(default=Decimal(50000), gt=0)
    max_sol_daily: Decimal = Field(default=Decimal(50), gt=0)
    max_spl_daily: Decimal = Field(default=Decimal(50000), gt=0)
    spl_cap_decimals: int = Field(default=6, ge=0, le=18)
    # A reservation a crashed signer never settles frees itself after this long.
    cap_lease_seconds: int = Field(default=120, ge=10, le=3600)
    # The same variables (BASIS_ARBITRUM_USDC_ADDRESS, BASIS_SOLANA_USDC_MINT) as the policy settings.
    arbitrum_usdc_address: str = arbitrum.USDC
    solana_usdc_mint: str = solana.USDC_MINT

    # Transient failures (timeouts, 5xx, 429): ``retry_attempts`` tries in all, waiting
    # base * 2**n (capped at max) plus up to ``retry_jitter`` of that between them: 1 s, 2 s, (4 s).
    retry_attempts: int = Field(default=3, ge=1, le=10)
    retry_base_delay: float = Field(default=1.0, ge=0)
    retry_max_delay: float = Field(default=4.0, ge=0)
    retry_jitter: float = Field(default=0.2, ge=0, le=1)

    # CAIP-2 ids for the send methods (Arbitrum One, Solana mainnet by default).
    arbitrum_caip2: str = arbitrum.CAIP2
    solana_caip2: str = solana.CAIP2

    @model_validator(mode="after")
    def _coherent(self) -> SigningSettings:
        if self.retry_max_delay < self.retry_base_delay:
            raise ValueError("retry_max_delay must be at least retry_base_delay")
        return self

    def caps(self) -> dict[str, int]:
        """Daily cap per asset, in base units."""
        return {
            "USDC": usdc_base_units(self.max_usdc_daily),
            "SOL": lamports(self.max_sol_daily),
            "SPL": to_base_units(self.max_spl_daily, self.spl_cap_decimals),
        }

    def backoff(self, retry: int) -> float:
        """Delay before retry number ``retry`` (0-based), without jitter."""
        return float(min(self.retry_max_delay, self.retry_base_delay * (2**retry)))


@lru_cache(maxsize=1)
def get_signing_settings() -> SigningSettings:
    from basis.platform.config import load

    return load(SigningSettings)
