"""Fixtures and helpers of the hedge tests on the local stack: users whose server wallets are
funded at the venues, waiting for a position to settle, and what the venues hold for a user."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from basis.positions import store
from basis.positions.store import PositionRecord
from local.chains import solana_funding
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.helpers import sign_in

# Where a saga leaves a position (open: the open saga's end; the others: nothing runs any more).
SETTLED = frozenset({"open", *store.FINAL})


@dataclass(frozen=True)
class Hedger:
    user_id: str
    evm_address: str
    solana_address: str
    evm_wallet_id: str
    solana_wallet_id: str


def new_hedger(api_client: ApiClient, *, hyperliquid_usdc: int = 1000, solana_usdc: int = 500) -> Hedger:
    """A signed-in user with USDC on Hyperliquid (margin for the short) and on Solana (the long's
    collateral) plus SOL for the long's transaction fees."""
    stack = api_client.stack
    user_id = sign_in(stack, "hedge")
    wallets = api_client.get("/wallets/server", user=user_id).json()
    hedger = Hedger(
        user_id,
        wallets["evm_address"],
        wallets["solana_address"],
        wallets["evm_wallet_id"],
        wallets["solana_wallet_id"],
    )
    if hyperliquid_usdc:
        stack.hyperliquid.credit_deposit(hedger.evm_address, Decimal(hyperliquid_usdc), f"credit-{user_id}:0")
    solana_funding.airdrop_sol(stack.url("solana"), hedger.solana_address, 10**9)
    if solana_usdc:
        solana_funding.mint_usdc(stack.url("solana"), hedger.solana_address, solana_usdc * 10**6)
    return hedger


@pytest.fixture
def hedger(api_client: ApiClient) -> Hedger:
    return new_hedger(api_client)


def settled(
    user_id: str, position_id: str, statuses: frozenset[str] = SETTLED, timeout: float = 120
) -> PositionRecord:
    """The position once a saga left it in one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        position = store.get(user_id, position_id)
        if position is not None and position.status in statuses:
            return position
        assert time.monotonic() < deadline, f"position stuck at {position.status if position else None}"
        time.sleep(0.2)


def execution(stack: LocalStack, machine: str, position_id: str, timeout: float = 60) -> dict[str, Any]:
    """The ``machine``'s execution for ``position_id`` once it finished."""
    sfn = stack.client("stepfunctions")
    arn = stack.resources.state_machines[machine].replace(":stateMachine:", ":execution:") + f":{position_id}"
    deadline = time.monotonic() + timeout
    while True:
        described = dict(sfn.describe_execution(executionArn=arn))
        if described["status"] != "RUNNING":
            return described
        assert time.monotonic() < deadline, f"{machine} {position_id} still running"
        time.sleep(0.1)


def short_fills(stack: LocalStack, hedger: Hedger) -> list[dict[str, Any]]:
    """Every fill of the user's Hyperliquid account (oldest first)."""
    return list(stack.hyperliquid.state.fills.get(hedger.evm_address.lower(), []))


def hyperliquid_szi(stack: LocalStack, hedger: Hedger) -> Decimal:
    account = stack.hyperliquid.state.accounts.get(hedger.evm_address.lower())
    position = account.positions.get("SOL") if account else None
    return position.szi if position else Decimal(0)


def asgard_positions(stack: LocalStack, hedger: Hedger) -> list[dict[str, Any]]:
    """Every position Asgard booked for the user's Solana wallet, in any state."""
    with stack.asgard.state.lock:
        return [
            p.record(stack.asgard.price)
            for p in stack.asgard.state.positions.values()
            if p.owner == hedger.solana_address
        ]
