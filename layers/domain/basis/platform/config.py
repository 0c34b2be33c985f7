"""Configuration, validated once per cold start.

Every endpoint and table name comes from the environment (CDK sets it on AWS, the local stack
sets it locally). A missing or malformed setting fails fast with a message naming it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

from pydantic import AliasChoices, Field, HttpUrl, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from basis.platform.errors import ConfigurationError

T = TypeVar("T", bound=BaseSettings)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASIS_", frozen=True, extra="ignore")

    stage: str = Field("dev", pattern=r"^[a-z0-9-]{1,20}$")
    aws_region: str = Field(validation_alias=AliasChoices("BASIS_AWS_REGION", "AWS_REGION"))
    # Only set locally: AWS clients (boto3, PynamoDB) talk to the embedded stack through these.
    aws_endpoint_url: HttpUrl | None = None
    dynamodb_endpoint_url: HttpUrl | None = None
    table_prefix: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    privy_api_url: HttpUrl
    privy_app_id: str = Field(min_length=1)
    hyperliquid_api_url: HttpUrl
    arbitrum_rpc_url: HttpUrl
    solana_rpc_url: HttpUrl
    asgard_api_url: HttpUrl
    # Name of the Secrets Manager secret (JSON) holding the Privy app secret and other keys.
    secret_name: str = Field(min_length=1)

    health_timeout_seconds: float = Field(2.0, gt=0, le=10)

    def table_name(self, suffix: str) -> str:
        return f"{self.table_prefix}{suffix}"

    def endpoints(self) -> dict[str, str]:
        """The outside services this deployment depends on, by name."""
        return {
            "privy": str(self.privy_api_url),
            "hyperliquid": str(self.hyperliquid_api_url),
            "arbitrum_rpc": str(self.arbitrum_rpc_url),
            "solana_rpc": str(self.solana_rpc_url),
            "asgard": str(self.asgard_api_url),
        }


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        name = "BASIS_" + ".".join(str(p) for p in item["loc"]).upper()
        parts.append(f"{name}: {item['msg']}")
    return "; ".join(parts)


def load(settings_class: type[T]) -> T:
    """Read a settings class from the environment; errors name each bad ``BASIS_*`` variable."""
    try:
        return settings_class()
    except ValidationError as exc:
        raise ConfigurationError(f"invalid configuration: {_describe(exc)}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load(Settings)
