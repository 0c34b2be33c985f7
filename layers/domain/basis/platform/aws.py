"""boto3 clients for the configured deployment (an endpoint override only exists locally), and the
Powertools Parameters providers that read secrets and SSM parameters through them.

A provider caches what it read for ``PARAMETERS_MAX_AGE_SECONDS``: a rotated secret or a rewritten
parameter is in use everywhere within five minutes, without a redeploy.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from basis.platform.config import Settings, get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

PARAMETERS_MAX_AGE_SECONDS = 300


def _client(service: str, settings: Settings) -> Any:
    import boto3  # deferred: ~0.2 s of cold start, only for functions that call AWS APIs

    endpoint = str(settings.aws_endpoint_url).rstrip("/") if settings.aws_endpoint_url else None
    return boto3.client(service, region_name=settings.aws_region, endpoint_url=endpoint)  # type: ignore[call-overload]


def client(service: str) -> Any:
    return _client(service, get_settings())


# One provider (and so one cache) per process and deployment; deferred imports: they load boto3.
@lru_cache(maxsize=1)
def _secrets_provider(settings: Settings) -> SecretsProvider:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=_client("secretsmanager", settings))


@lru_cache(maxsize=1)
def _ssm_provider(settings: Settings) -> SSMProvider:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    return SSMProvider(boto3_client=_client("ssm", settings))


def secrets_provider() -> SecretsProvider:
    return _secrets_provider(get_settings())


def ssm_provider() -> SSMProvider:
    return _ssm_provider(get_settings())
