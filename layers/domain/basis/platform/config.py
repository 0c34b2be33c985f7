"""The platform's settings: the deployment (stage, region, tables, secret, event bus) and the outside
services it depends on.

Every endpoint and resource name comes from the environment (CDK sets it on AWS, the local stack
sets it locally); ``basis.platform.runtime.bootstrap`` validates it once per cold start.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, HttpUrl

from basis.platform.settings import BasisSettings, cached


class Settings(BasisSettings):
    stage: str = Field("dev", pattern=r"^[a-z0-9-]{1,20}$")
    aws_region: str = Field(validation_alias=AliasChoices("BASIS_AWS_REGION", "AWS_REGION"))
    # Only set locally: AWS clients (boto3, PynamoDB) talk to the embedded stack through these.
    aws_endpoint_url: HttpUrl | None = None
    dynamodb_endpoint_url: HttpUrl | None = None
    table_prefix: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    # Name of the Secrets Manager secret (JSON) holding the Privy app secret and other keys.
    secret_name: str = Field(min_length=1)
    # The product's EventBridge bus (sign-in publishes WalletsRequested on it).
    event_bus_name: str = Field(min_length=1)

    privy_api_url: HttpUrl
    privy_app_id: str = Field(min_length=1)
    hyperliquid_api_url: HttpUrl
    arbitrum_rpc_url: HttpUrl
    solana_rpc_url: HttpUrl
    asgard_api_url: HttpUrl

    health_timeout_seconds: float = Field(2.0, gt=0, le=10)
    # How long one dependency health report may be served again before probing anew.
    health_cache_seconds: int = Field(10, ge=1, le=10)

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


get_settings = cached(Settings)
