"""The Privy SDK client for this deployment (``privy-client``, imported only where it is used)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from basis.platform.config import Settings, get_settings
from basis.platform.secrets import get_secrets

if TYPE_CHECKING:
    from privy import PrivyAPI

# Retries are ours (SQS redelivery, the signer's backoff): the SDK must not retry behind our back.
SDK_RETRIES = 0
TIMEOUT_SECONDS = 10.0


def privy_client() -> PrivyAPI:
    """The deployment's client, built anew when the Privy app secret is rotated (``get_secrets``)."""
    return _client(get_settings(), get_secrets().privy_app_secret)


@lru_cache(maxsize=1)
def _client(settings: Settings, app_secret: str) -> PrivyAPI:
    from privy import PrivyAPI

    return PrivyAPI(
        app_id=settings.privy_app_id,
        app_secret=app_secret,
        base_url=str(settings.privy_api_url).rstrip("/"),
        max_retries=SDK_RETRIES,
        timeout=TIMEOUT_SECONDS,
    )
