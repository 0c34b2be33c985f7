"""Domain events on the product's EventBridge bus (rules in infra/catalog.py route them)."""

from __future__ import annotations

import json

from basis.platform.aws import client
from basis.platform.config import get_settings

WALLETS_REQUESTED = ("basis.auth", "WalletsRequested")


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
                "EventBusName": get_settings().event_bus_name,
            }
        ]
    )
    entry = answer["Entries"][0]
    if answer.get("FailedEntryCount") or "EventId" not in entry:
        raise PublishError(f"event {detail_type} not accepted: {entry.get('ErrorMessage', entry)}")
    return str(entry["EventId"])
