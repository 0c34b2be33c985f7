"""The kill switch on the local stack: engaging it pauses every active strategy (and nothing
else), re-running it is harmless, lifting it resumes nobody, and while it is engaged the platform
asks Privy for no signature."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from basis.risk import kill_switch, manager
from basis.signing.errors import KillSwitchEngagedError
from basis.signing.signer import PrivyWalletSigner
from basis.strategy import store as strategies
from basis.strategy.config import StrategyParameters
from local.runtime.stack import LocalStack
from tests.helpers import privy_rpc_calls
from tests.unit.policies.requests_factory import hl_order_typed_data

ON = replace(StrategyParameters(), enabled=True)


@pytest.fixture
def lifted_after(stack: LocalStack) -> Iterator[None]:
    """Whatever the test does, the switch is lifted after it (the session's other tests sign)."""
    try:
        yield
    finally:
        kill_switch.lift("tests")


@pytest.fixture
def users(stack: LocalStack) -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    ids = {name: f"did:privy:ks-{name}-{run}" for name in ("a", "b", "off", "own_pause")}
    for name, user_id in ids.items():
        strategies.save(user_id, StrategyParameters() if name == "off" else ON, expected_version=0)
    strategies.pause(ids["own_pause"], "user_requested")
    return ids


def test_engaging_pauses_every_active_strategy_and_lifting_resumes_nobody(
    users: dict[str, str], lifted_after: None
) -> None:
    switch, paused = kill_switch.engage("did:privy:ops", "venue outage")
    assert (switch.engaged, switch.by, switch.reason) == (True, "did:privy:ops", "venue outage")
    assert paused >= 2 and kill_switch.engaged()
    after = {name: strategies.get(user_id) for name, user_id in users.items()}
    assert after["a"].paused_reason == after["b"].paused_reason == "kill_switch"
    assert after["own_pause"].paused_reason == "user_requested"  # an earlier pause keeps its reason
    assert not after["off"].paused  # disabled: nothing to pause
    assert not set(users.values()) & set(strategies.active_users())

    again, paused_again = kill_switch.engage("did:privy:other", "again")
    assert (again.by, again.reason, paused_again) == ("did:privy:ops", "venue outage", 0)
    assert strategies.get(users["a"]).version == after["a"].version  # nothing rewritten

    lifted = kill_switch.lift("did:privy:ops")
    assert not lifted.engaged and not kill_switch.engaged()
    assert all(strategies.get(users[name]).paused for name in ("a", "b", "own_pause"))
    assert strategies.resume(users["a"]).active and strategies.get(users["b"]).paused


def test_entries_are_blocked_while_engaged(users: dict[str, str], lifted_after: None) -> None:
    now = datetime.now(UTC)
    assert manager.entry_block(users["a"], now) is None
    kill_switch.engage("did:privy:ops", "drill")
    assert manager.entry_block(users["a"], now) == manager.KILL_SWITCH
    assert manager.risk_status(users["a"], now).kill_switch_engaged


def test_no_platform_signature_while_engaged(
    signed_in_user: str, privy_wallets: dict[str, Any], api_client: Any, lifted_after: None
) -> None:
    evm = privy_wallets["evm_wallet_id"]
    signer = PrivyWalletSigner(signed_in_user, evm, privy_wallets["evm_address"], "ethereum")
    order = hl_order_typed_data()["typed_data"]
    kill_switch.engage("did:privy:ops", "drill")
    calls = privy_rpc_calls(api_client.stack, evm)
    with pytest.raises(KillSwitchEngagedError) as refused:
        signer.sign_typed_data_v4(order, action="order")
    assert "kill switch is engaged (drill)" in refused.value.message
    assert privy_rpc_calls(api_client.stack, evm) == calls  # Privy was never asked
    kill_switch.lift("did:privy:ops")
    assert signer.sign_typed_data_v4(order, action="order").startswith("0x")
    assert privy_rpc_calls(api_client.stack, evm) == calls + 1
