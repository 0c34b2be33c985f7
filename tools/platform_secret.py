"""The deployment's JSON secret (``BASIS_SECRET_NAME``) as operator commands change it: read afresh
from Secrets Manager (not through the functions' five-minute cache) and written whole, every field
the command does not change kept as it was. Values are never printed."""

from __future__ import annotations

import json
from typing import Any

from basis.platform.aws import client, secrets_provider
from basis.platform.config import get_settings


class PlatformSecret:
    def __init__(self, name: str | None = None) -> None:
        self.name = name or get_settings().secret_name

    def read(self) -> dict[str, Any]:
        values = json.loads(client("secretsmanager").get_secret_value(SecretId=self.name)["SecretString"])
        if not isinstance(values, dict):
            raise ValueError(f"secret {self.name} is not a JSON object")
        return values

    def write(self, values: dict[str, Any]) -> None:
        """A new version of the secret (``AWSCURRENT``); this process reads it from now on."""
        client("secretsmanager").put_secret_value(SecretId=self.name, SecretString=json.dumps(values))
        secrets_provider().clear_cache()
