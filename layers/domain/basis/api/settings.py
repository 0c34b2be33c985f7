"""Settings of the REST API itself."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASIS_", frozen=True, extra="ignore")

    # Browser origins allowed to call the API (comma-separated, e.g. "https://app.example.com").
    # Empty: no CORS headers at all. API Gateway answers the preflight from the same list (CDK).
    cors_allowed_origins: Annotated[tuple[str, ...], NoDecode] = Field(default=())

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            if origin == "*" or not origin.startswith(("https://", "http://")) or origin.endswith("/"):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com")
        return origins
