"""Identity settings: how callers are authenticated (the authorizer) and which browsers may call."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from basis.identity.tokens import MAX_CLOCK_LEEWAY_SECONDS
from basis.platform.settings import BasisSettings, cached, every_match

ORIGIN = re.compile(r"^https?://[^/\s]+$")
# What a browser may send cross-origin, and how long it may cache a preflight (API Gateway's
# preflight in CDK and the API function's CORS headers both use these).
CORS_ALLOWED_HEADERS: tuple[str, ...] = ("Authorization", "Content-Type", "Idempotency-Key")
CORS_MAX_AGE_SECONDS = 600


class IdentitySettings(BasisSettings):
    # PEM of the ES256 key Privy signs access tokens with (the app's verification key; public).
    privy_verification_key: str = Field(min_length=1)
    # Browser origins allowed to call the API (CORS), comma-separated; empty: none.
    cors_allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Clock skew tolerated when checking a token's exp/nbf/iat (basis.identity.tokens).
    token_leeway_seconds: int = Field(MAX_CLOCK_LEEWAY_SECONDS, ge=0, le=MAX_CLOCK_LEEWAY_SECONDS)

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return every_match(ORIGIN, value, "origins (scheme://host[:port], no path)")


get_identity_settings = cached(IdentitySettings)
