"""Domain events on the product's EventBridge bus (rules in infra/catalog.py route them)."""

from __future__ import annotations

import json
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from basis.platform.aws import client
from basis.platform.config import load

WALLETS_REQUESTED = ("basis.auth", "WalletsRequested")


class EventSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASIS_", frozen=True, extra="ignore")
    event_bus_name: str = Field(min_length=1)


@lru_cache(maxsize=1)
def _settings() -> EventSettings:
    return load(EventSettings)


class PublishError(Exception):
    pass


def publish(source_and_type: tuple[str, str], detail: dict[str, object]) -> str:
    source, detail_type = source_and_type
    answer = client("events").put_events(
        Entries=[
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "EventBusName": _settings().event_bus_name,
            }
        ]
    )
    entry = answer["Entries"][0]
    if answer.get("FailedEntryCount") or "EventId" not in entry:
        raise PublishError(f"event {detail_type} not accepted: {entry.get('ErrorMessage', entry)}")
    return str(entry["EventId"])
