"""Common base for every table: on-demand billing, and binding to the configured deployment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model

from basis.platform.config import Settings

# DynamoDB errors that mean "not now" rather than "never": the stores raise them as TransientError.
RETRIABLE_DYNAMODB_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionConflictException",
    }
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class BaseModel(Model):
    """A table of this product. ``table_suffix`` plus the configured prefix is its name."""

    table_suffix: ClassVar[str] = ""
    # Name of the attribute DynamoDB expires items by (TTL), if the table has one.
    ttl_attribute: ClassVar[str | None] = None

    class Meta:
        abstract = True
        billing_mode = "PAY_PER_REQUEST"
        table_name = "unbound"
        region = "us-east-1"
        host: str | None = None

    created_at = UTCDateTimeAttribute(default=utcnow)


_connections: dict[tuple[str, str | None], Connection] = {}


def connection() -> Connection:
    """A low-level connection to the bound deployment (for transactions across tables); one per
    binding, so its client (and its HTTP connections) are made once per container."""
    key = (BaseModel.Meta.region, BaseModel.Meta.host)
    if key not in _connections:
        _connections[key] = Connection(region=key[0], host=key[1])
    return _connections[key]


def bind_models(settings: Settings, models: tuple[type[BaseModel], ...] | None = None) -> None:
    """Point every model at the configured table names, region and (locally) endpoint."""
    from basis.models import ALL_MODELS

    BaseModel.Meta.region = settings.aws_region
    BaseModel.Meta.host = (
        str(settings.dynamodb_endpoint_url).rstrip("/") if settings.dynamodb_endpoint_url else None
    )
    for model in models or ALL_MODELS:
        model.Meta.table_name = settings.table_name(model.table_suffix)
        model.Meta.region = settings.aws_region
        model.Meta.host = (
            str(settings.dynamodb_endpoint_url).rstrip("/") if settings.dynamodb_endpoint_url else None
        )
        # Drop any connection PynamoDB cached for the previous binding.
        model._connection = None
