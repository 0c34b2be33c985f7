"""What varies between deployments, read from CDK context (``cdk.json`` or ``-c key=value``).

Endpoints default to mainnet; the stage names every physical resource (``basis-<stage>-...``).
The money tables are deletion-protected and retained in every stage (``infra.tables.MONEY_TABLES``);
``prod`` protects the others too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import Node

from infra.catalog import EVENT_BUS

ENDPOINT_DEFAULTS: dict[str, str] = {
    "privy_api_url": "https://api.privy.io",
    "hyperliquid_api_url": "https://api.hyperliquid.xyz",
    "arbitrum_rpc_url": "https://arb1.arbitrum.io/rpc",
    "solana_rpc_url": "https://api.mainnet-beta.solana.com",
    "asgard_api_url": "https://v2-ultra-edge.asgard.finance/margin-trading",
}
STAGE_PATTERN = re.compile(r"^[a-z0-9-]{1,20}$")
PROD_STAGES = frozenset({"prod"})


@dataclass(frozen=True)
class Deployment:
    stage: str
    endpoints: dict[str, str]
    privy_app_id: str
    privy_verification_key: str
    alarm_email: str | None = None
    # Browser origins allowed to call the API (context "cors_allowed_origins", comma-separated).
    cors_allowed_origins: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        """Physical name prefix of every resource; the product reads it as BASIS_TABLE_PREFIX."""
        return f"basis-{self.stage}-"

    @property
    def is_prod(self) -> bool:
        return self.stage in PROD_STAGES

    @property
    def secret_name(self) -> str:
        return f"{self.prefix}secrets"

    @property
    def event_bus_name(self) -> str:
        return f"{self.prefix}{EVENT_BUS}"

    @classmethod
    def from_context(cls, node: Node) -> Deployment:
        def get(key: str, default: Any = None) -> Any:
            value = node.try_get_context(key)
            return default if value in (None, "") else value

        stage = str(get("stage", "dev"))
        if not STAGE_PATTERN.match(stage):
            raise ValueError(f"context 'stage' must match {STAGE_PATTERN.pattern}, got {stage!r}")
        endpoints = {key: str(get(key, default)) for key, default in ENDPOINT_DEFAULTS.items()}
        for key, url in endpoints.items():
            if not url.startswith("https://"):
                raise ValueError(f"context {key!r} must be an https URL, got {url!r}")
        # Both are public (the app id and the ES256 key Privy signs tokens with): context, not secrets.
        privy = {key: get(key) for key in ("privy_app_id", "privy_verification_key")}
        missing = [key for key, value in privy.items() if value is None]
        if missing and stage in PROD_STAGES:
            raise ValueError(f"stage {stage!r} needs context {', '.join(missing)} (-c key=value)")
        return cls(
            stage=stage,
            endpoints=endpoints,
            privy_app_id=str(privy["privy_app_id"] or "unset-privy-app-id"),
            privy_verification_key=str(privy["privy_verification_key"] or "unset"),
            alarm_email=get("alarm_email"),
            cors_allowed_origins=tuple(
                origin.strip() for origin in str(get("cors_allowed_origins", "")).split(",") if origin.strip()
            ),
        )

    def environment(self) -> dict[str, str]:
        """The variables common to every function: the platform settings (``basis.platform.config``)
        and Privy's public token verification key (``basis.identity.settings``)."""
        env = {
            "BASIS_STAGE": self.stage,
            "BASIS_TABLE_PREFIX": self.prefix,
            "BASIS_PRIVY_APP_ID": self.privy_app_id,
            "BASIS_PRIVY_VERIFICATION_KEY": self.privy_verification_key,
            "BASIS_SECRET_NAME": self.secret_name,
            "BASIS_EVENT_BUS_NAME": self.event_bus_name,
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        env.update({f"BASIS_{key.upper()}": url for key, url in self.endpoints.items()})
        if self.cors_allowed_origins:
            env["BASIS_CORS_ALLOWED_ORIGINS"] = ",".join(self.cors_allowed_origins)
        return env
