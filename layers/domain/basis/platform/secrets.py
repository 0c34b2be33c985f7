"""The deployment's secrets: one JSON secret in Secrets Manager, read once and cached."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError

from basis.platform.aws import client
from basis.platform.config import get_settings
from basis.platform.errors import ConfigurationError


class Secrets(BaseModel):
    privy_app_secret: str = Field(min_length=1)
    internal_jwt_secret: str = Field(min_length=32)
    privy_authorization_key: str | None = None
    # The platform account that tops up server wallets with ETH for gas (venues.gas.GasFunder).
    gas_funder_private_key: str | None = None

    def __repr__(self) -> str:  # never print secret values
        return "Secrets(<redacted>)"

    __str__ = __repr__


@lru_cache(maxsize=1)
def get_secrets() -> Secrets:
    name = get_settings().secret_name
    raw = client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    try:
        return Secrets.model_validate_json(raw)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise ConfigurationError(f"secret {name} is missing or has invalid fields: {fields}") from exc
