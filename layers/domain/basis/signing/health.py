"""Signing activity of the last 1 h and 24 h from the ledger, plus the breaker's state (seed 4.2), and
the users whose server wallets are incomplete (seed 5.4: counted in the ``IncompleteWallets`` metric)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from basis.signing import ledger
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.telemetry import RESULTS
from basis.wallets.health import incomplete_wallets
from basis.wallets.store import IncompleteWallets, users_with_wallets


@dataclass(frozen=True)
class UserWallets:
    user_id: str
    evm_wallet_id: str | None
    evm_address: str | None
    solana_wallet_id: str | None
    solana_address: str | None


@dataclass(frozen=True)
class SigningActivity:
    """Requests per result (and ``total``) in each window."""

    last_1h: dict[str, int]
    last_24h: dict[str, int]


@dataclass(frozen=True)
class BreakerState:
    state: str
    consecutive_failures: int
    open_until: float | None


@dataclass(frozen=True)
class WalletHealth:
    users: list[UserWallets]
    signing: SigningActivity
    policy_violations_24h: int
    circuit_breaker: BreakerState
    incomplete_wallets: list[IncompleteWallets]


def _counts(rows: list[ledger.LedgerRow]) -> dict[str, int]:
    counted = Counter(r.event.result for r in rows)
    return {result: counted.get(result, 0) for result in RESULTS} | {"total": len(rows)}


def wallet_health(breaker: SharedCircuitBreaker) -> WalletHealth:
    now = datetime.now(UTC)
    day = ledger.rows_since(now - timedelta(hours=24))
    hour_ago = (now - timedelta(hours=1)).isoformat()
    last_hour = [r for r in day if r.at_id >= hour_ago]
    state = breaker.state()
    users = [
        UserWallets(
            u.user_id,
            u.wallets.evm_wallet_id,
            u.wallets.evm_address,
            u.wallets.solana_wallet_id,
            u.wallets.solana_address,
        )
        for u in users_with_wallets()
    ]
    return WalletHealth(
        users=users,
        signing=SigningActivity(last_1h=_counts(last_hour), last_24h=_counts(day)),
        policy_violations_24h=sum(1 for r in day if r.event.result == "policy_denied"),
        circuit_breaker=BreakerState(state.state, state.counter, state.until),
        incomplete_wallets=incomplete_wallets(),
    )
