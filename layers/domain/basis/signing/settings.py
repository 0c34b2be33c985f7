"""Signing-layer retry schedule, cap reservations and send targets, read from ``BASIS_*``.

The daily caps the signer enforces and the token addresses it counts spend in are the policy
settings' (``basis.policies.settings``): each variable has one owner.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from basis.chains import arbitrum, solana
from basis.platform.settings import BasisSettings, cached


class SigningSettings(BasisSettings):
    # A reservation a crashed signer never settles frees itself after this long.
    cap_lease_seconds: int = Field(default=120, ge=10, le=3600)

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

    def backoff(self, retry: int) -> float:
        """Delay before retry number ``retry`` (0-based), without jitter."""
        return float(min(self.retry_max_delay, self.retry_base_delay * (2**retry)))


get_signing_settings = cached(SigningSettings)
