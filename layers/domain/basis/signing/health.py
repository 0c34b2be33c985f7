"""Signing activity of the last 1 h and 24 h from the ledger, plus the breaker's state (seed 4.2)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from basis.models import SigningRecord, User
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.telemetry import RESULTS, bucket_of


def _records_since(since: datetime) -> list[SigningRecord]:
    now = datetime.now(UTC)
    records: list[SigningRecord] = []
    hour = since.replace(minute=0, second=0, microsecond=0)
    while hour <= now:
        records.extend(SigningRecord.query(bucket_of(hour), SigningRecord.at_id >= since.isoformat()))
        hour += timedelta(hours=1)
    return records


def _counts(records: list[SigningRecord]) -> dict[str, int]:
    counted = Counter(r.result for r in records)
    return {result: counted.get(result, 0) for result in RESULTS} | {"total": len(records)}


def wallet_health(breaker: SharedCircuitBreaker) -> dict[str, Any]:
    now = datetime.now(UTC)
    day = _records_since(now - timedelta(hours=24))
    hour_ago = (now - timedelta(hours=1)).isoformat()
    last_hour = [r for r in day if r.at_id >= hour_ago]
    state = breaker.state()
    users = [
        {
            "user_id": u.user_id,
            "evm_wallet_id": u.evm_wallet_id,
            "evm_address": u.evm_address,
            "solana_wallet_id": u.solana_wallet_id,
            "solana_address": u.solana_address,
        }
        for u in User.scan(User.evm_wallet_id.exists() | User.solana_wallet_id.exists())
    ]
    return {
        "users": users,
        "signing": {"last_1h": _counts(last_hour), "last_24h": _counts(day)},
        "policy_violations_24h": sum(1 for r in day if r.result == "policy_denied"),
        "circuit_breaker": {
            "state": state.state,
            "consecutive_failures": int(state.counter or 0),
            "open_until": state.until,
        },
    }
