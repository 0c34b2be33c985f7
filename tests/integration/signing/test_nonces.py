"""Nonces under concurrency on the local stack: Hyperliquid actions of one user signed at once
(Privy emulator + Hyperliquid simulator + DynamoDB Local) and deposits from one wallet broadcast at
once (Privy emulator + anvil)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from hyperliquid.utils import signing

from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.hyperliquid import next_nonce
from basis.signing.settings import SigningSettings
from basis.venues.arbitrum.client import BridgeDeposit
from basis.venues.context import UserTradingContext
from local.chains.evm_funding import fund_eth, mint_usdc, usdc_balance
from local.runtime.stack import LocalStack
from tests.helpers import privy_rpc_calls, sign_in

USDC = 10**6
FAST = SigningSettings(retry_jitter=0, retry_base_delay=0.0, retry_max_delay=0.0)


@pytest.fixture(scope="module")
def context(stack: LocalStack) -> Iterator[UserTradingContext]:
    user_id = sign_in(stack, "nonces")
    yield UserTradingContext.from_user_id(
        user_id, breaker=SharedCircuitBreaker(f"nonces-{uuid.uuid4().hex[:8]}"), signing_settings=FAST
    )


def test_fifty_concurrent_hyperliquid_nonces_of_one_user_are_distinct_and_follow_the_clock(
    stack: LocalStack,
) -> None:
    address = "0x" + uuid.uuid4().hex + "00000000"
    before = signing.get_timestamp_ms()
    with ThreadPoolExecutor(max_workers=25) as pool:
        nonces = list(pool.map(lambda _: next_nonce(address), range(50)))
    assert len(set(nonces)) == 50 and min(nonces) >= before
    assert next_nonce(address) > max(nonces)  # and the next one is above every earlier one
    assert next_nonce(address.upper().replace("0X", "0x")) > max(nonces)  # one counter per address


def test_forty_concurrent_hyperliquid_actions_of_one_user_are_all_accepted(
    stack: LocalStack, context: UserTradingContext
) -> None:
    requests.post(
        f"{stack.url('hyperliquid')}/_local/credit",
        json={"user": context.evm_address, "usdc": "1000"},
        timeout=5,
    ).raise_for_status()
    exchange = context.get_hl_exchange()
    exchange.info.name_to_asset("SOL")  # the SDK's metadata, read once before the burst

    def leverage(n: int) -> Any:
        return exchange.update_leverage(1 + n % 5, "SOL")

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(leverage, range(40)))
    refused = [a for a in answers if a.get("status") != "ok"]
    assert refused == []


def test_twenty_concurrent_deposits_from_one_wallet_are_all_mined(
    stack: LocalStack, context: UserTradingContext
) -> None:
    address = str(context.evm_address)
    fund_eth(stack.evm.rpc_url, address, 10**18)
    mint_usdc(stack.evm, address, 20 * 5 * USDC)
    arbitrum = context.get_arbitrum_client()

    def deposit(n: int) -> BridgeDeposit:
        return arbitrum.deposit_to_bridge(5, idempotency_key=f"deposit-{context.user_id}-{n}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        deposits = list(pool.map(deposit, range(20)))  # any nonce error fails the test here
    assert len({d.nonce for d in deposits}) == 20
    assert all(arbitrum.wait_receipt(d.tx_hash, timeout=10).succeeded for d in deposits)
    assert usdc_balance(stack.evm, address) == 0


def test_a_deposit_whose_nonce_went_stale_is_resent_with_a_fresh_one(
    stack: LocalStack, context: UserTradingContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = str(context.evm_address)
    fund_eth(stack.evm.rpc_url, address, 10**18)
    mint_usdc(stack.evm, address, 10 * USDC)
    arbitrum = context.get_arbitrum_client()
    arbitrum.wait_receipt(arbitrum.deposit_to_bridge(5).tx_hash, timeout=10)  # nonce 0 is used
    fresh = arbitrum.pending_nonce()
    reads = iter([fresh - 1])  # the first read is stale (the nonce another sender just used)
    monkeypatch.setattr(arbitrum, "pending_nonce", lambda: next(reads, fresh))
    calls = privy_rpc_calls(stack, str(context.evm_wallet_id))
    deposit = arbitrum.deposit_to_bridge(5, idempotency_key=f"stale-{context.user_id}")
    assert deposit.nonce == fresh and arbitrum.wait_receipt(deposit.tx_hash, timeout=10).succeeded
    assert privy_rpc_calls(stack, str(context.evm_wallet_id)) == calls + 2  # refused once, then sent
