"""The deployment's secrets: one JSON secret in Secrets Manager, read through Powertools Parameters
and read again once ``PARAMETERS_MAX_AGE_SECONDS`` old (a rotation is picked up within five minutes)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from basis.platform.aws import PARAMETERS_MAX_AGE_SECONDS, secrets_provider
from basis.platform.config import get_settings
from basis.platform.errors import ConfigurationError


class Secrets(BaseModel):
    privy_app_secret: str = Field(min_length=1)
    internal_jwt_secret: str = Field(min_length=32)
    # During a rotation of the service-token secret (tools.rotate_service_secret): the one it
    # replaced and when (basis.identity.service_secrets decides which is used for what, and until when).
    internal_jwt_secret_previous: str | None = Field(default=None, min_length=32)
    internal_jwt_secret_rotated_at: AwareDatetime | None = None
    privy_authorization_key: str | None = None
    # The platform account that tops up server wallets with ETH for gas (venues.gas.GasFunder).
    gas_funder_private_key: str | None = None

    def __repr__(self) -> str:  # never print secret values
        return "Secrets(<redacted>)"

    __str__ = __repr__


def get_secrets() -> Secrets:
    name = get_settings().secret_name
    raw = secrets_provider().get(name, max_age=PARAMETERS_MAX_AGE_SECONDS)
    if not isinstance(raw, str):
        raise ConfigurationError(f"secret {name} is not a JSON string (SecretString)")
    try:
        return Secrets.model_validate_json(raw)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) if e["loc"] else "the JSON" for e in exc.errors())
        # Not chained: pydantic's message quotes the values (the secret's own), and a logged
        # traceback shows the exceptions it chains.
        raise ConfigurationError(f"secret {name} is missing or has invalid fields: {fields}") from None
