"""Signing-layer retry schedule, cap reservations and send targets, read from ``BASIS_*``.

The daily caps the signer enforces and the token addresses it counts spend in are the policy
settings' (``basis.policies.settings``): each variable has one owner.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from basis.chains import arbitrum, solana
from basis.platform.settings import BasisSettings, cached


class SigningSettings(BasisSettings):
    # A cap reservation lives for the signer's whole retry budget plus this margin; one still
    # unsettled after that (its worker stalled or died) lapses into "unresolved" and keeps counting.
    reservation_margin_seconds: int = Field(default=30, ge=5, le=3600)

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

    def retry_budget(self, attempt_seconds: float) -> float:
        """The longest ``retry_attempts`` tries of at most ``attempt_seconds`` each can take, the
        waits between them (with their whole jitter) included."""
        waits = sum(self.backoff(n) * (1 + self.retry_jitter) for n in range(self.retry_attempts - 1))
        return self.retry_attempts * attempt_seconds + waits

    def reservation_seconds(self, attempt_seconds: float) -> int:
        """How long a cap reservation is held: the retry budget plus the margin."""
        return math.ceil(self.retry_budget(attempt_seconds)) + self.reservation_margin_seconds


get_signing_settings = cached(SigningSettings)
