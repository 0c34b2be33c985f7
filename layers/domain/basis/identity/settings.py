"""Identity settings: how callers are authenticated (the authorizer) and which browsers may call."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from basis.platform.settings import BasisSettings, cached

ORIGIN = re.compile(r"^https?://[^/\s]+$")


class IdentitySettings(BasisSettings):
    # PEM of the ES256 key Privy signs access tokens with (the app's verification key; public).
    privy_verification_key: str = Field(min_length=1)
    # Browser origins allowed to call the API (CORS), comma-separated; empty: none.
    cors_allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Clock skew tolerated when checking a token's exp/nbf/iat.
    token_leeway_seconds: int = Field(30, ge=0, le=30)

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [origin for origin in value if not ORIGIN.match(origin)]
        if bad:
            raise ValueError(f"not origins (scheme://host[:port], no path): {bad}")
        return value


get_identity_settings = cached(IdentitySettings)
