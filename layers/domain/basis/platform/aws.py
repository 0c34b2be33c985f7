"""boto3 clients for the configured deployment (an endpoint override only exists locally)."""

from __future__ import annotations

from typing import Any

from basis.platform.config import get_settings


def client(service: str) -> Any:
    import boto3  # deferred: ~0.2 s of cold start, only for functions that call AWS APIs

    settings = get_settings()
    endpoint = str(settings.aws_endpoint_url).rstrip("/") if settings.aws_endpoint_url else None
    return boto3.client(service, region_name=settings.aws_region, endpoint_url=endpoint)  # type: ignore[call-overload]
