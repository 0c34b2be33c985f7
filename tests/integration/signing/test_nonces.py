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
from basis.venues.context import UserTradingContext
from local.runtime.stack import LocalStack
from tests.helpers import sign_in

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
