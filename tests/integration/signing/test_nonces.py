"""Nonces under concurrency on the local stack: Hyperliquid actions of one user signed at once
(Privy emulator + Hyperliquid simulator + DynamoDB Local) and deposits from one wallet broadcast at
once (Privy emulator + anvil)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_account import Account
from hyperliquid.utils import signing

from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.hyperliquid import next_nonce
from basis.signing.settings import SigningSettings
from basis.venues.arbitrum.client import BridgeDeposit
from basis.venues.arbitrum.gas import GasFunder
from basis.venues.context import UserTradingContext
from local.chains.dev_accounts import GAS_FUNDER
from local.chains.evm_funding import fund_eth, mint_usdc, usdc_balance
from local.runtime.stack import LocalStack
from tests.helpers import privy_rpc_calls, sign_in

ROOT = Path(__file__).resolve().parents[3]
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


FUND_FROM_ANOTHER_CONTAINER = """
import json, sys, time
from basis.platform.runtime import bootstrap

bootstrap()
from basis.venues.arbitrum.gas import GasFunder

rpc_url, key, start_at, *addresses = sys.argv[1:]
funder = GasFunder(rpc_url, key)
funder.funder_balance_wei()  # web3 connected before the common start
time.sleep(max(0.0, float(start_at) - time.time()))
results = funder.check_and_fund_users([("did:privy:gas-" + a[-10:], a) for a in addresses])
print(json.dumps([r.status + (": " + r.error if r.error else "") for r in results]))
"""


def test_gas_top_ups_from_three_containers_at_once_all_go_through(stack: LocalStack) -> None:
    containers = [[Account.create().address for _ in range(4)] for _ in range(3)]
    start_at = time.time() + 6  # every container starts sending at the same moment
    env = {**os.environ, **stack.environment()}
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                FUND_FROM_ANOTHER_CONTAINER,
                stack.evm.rpc_url,
                GAS_FUNDER.private_key,
                str(start_at),
                *addresses,
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for addresses in containers
    ]
    statuses = [json.loads(run.communicate(timeout=60)[0].strip().splitlines()[-1]) for run in runs]
    assert statuses == [["funded"] * 4] * 3


def test_a_gas_top_up_whose_nonce_went_stale_is_resent_with_a_fresh_one(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    funder = GasFunder(stack.evm.rpc_url, GAS_FUNDER.private_key)
    first, second = Account.create().address, Account.create().address
    assert funder.fund_if_needed(f"did:privy:gas-{first[-10:]}", first).status == "funded"
    pending = funder.w3.eth.get_transaction_count
    used = (
        int(pending(funder.w3.to_checksum_address(funder.funder_address), "pending")) - 1
    )  # the first top-up's
    reads: list[int] = []

    def stale_first(*args: Any) -> int:
        reads.append(used if not reads else int(pending(*args)))
        return reads[-1]

    monkeypatch.setattr(funder.w3.eth, "get_transaction_count", stale_first)
    top_up = funder.fund_if_needed(f"did:privy:gas-{second[-10:]}", second)
    assert top_up.status == "funded" and funder.balance_wei(second) == funder.target_wei
    assert reads == [used, used + 1]  # refused with the stale nonce, sent with the fresh one
