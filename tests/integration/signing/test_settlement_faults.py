"""What a deposit's spend counts for when things fail around its broadcast, on the local stack:
Privy emulator faults (``POST /_local/faults``), DynamoDB Local, anvil, and in-process failures of a
store function. The spend of a transfer that may be on chain always counts, exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from pynamodb.exceptions import UpdateError

from basis.signing import caps
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import OutcomeUnknownError
from basis.signing.settings import SigningSettings
from basis.venues.context import UserTradingContext
from local.chains.evm_funding import fund_eth, mint_usdc
from local.runtime.stack import LocalStack
from tests.helpers import privy_rpc_calls, sign_in

USDC = 10**6
FAST = SigningSettings(retry_jitter=0, retry_base_delay=0.0, retry_max_delay=0.0)
NONCE_TOO_LOW = {
    "error": "EVM RPC eth_sendRawTransaction: nonce too low",
    "code": "transaction_broadcast_failure",
}


@pytest.fixture(scope="module")
def context(stack: LocalStack) -> Iterator[UserTradingContext]:
    user_id = sign_in(stack, "settle")
    context = UserTradingContext.from_user_id(
        user_id, breaker=SharedCircuitBreaker(f"settle-{uuid.uuid4().hex[:8]}"), signing_settings=FAST
    )
    fund_eth(stack.evm.rpc_url, str(context.evm_address), 10**18)
    mint_usdc(stack.evm, str(context.evm_address), 100 * USDC)
    yield context


def fault(
    stack: LocalStack, context: UserTradingContext, status: int, count: int = 1, body: object = None
) -> None:
    requests.post(
        f"{stack.url('privy')}/_local/faults",
        json={
            "path": f"/v1/wallets/{context.evm_wallet_id}/rpc",
            "status": status,
            "count": count,
            "body": body,
        },
        timeout=5,
    ).raise_for_status()


def committed(context: UserTradingContext) -> int:
    return caps.usage(context.user_id, "USDC").total


def test_a_redrive_after_an_unknown_outcome_is_broadcast_and_counted_once(
    stack: LocalStack, context: UserTradingContext
) -> None:
    arbitrum, before = context.get_arbitrum_client(), committed(context)
    key = f"redrive-{uuid.uuid4().hex[:8]}"
    fault(stack, context, 503, count=3)
    with pytest.raises(OutcomeUnknownError):
        arbitrum.deposit_to_bridge(5, idempotency_key=key)
    assert committed(context) - before == 5 * USDC
    deposit = arbitrum.deposit_to_bridge(5, idempotency_key=key)  # the saga re-drives with the key
    assert arbitrum.wait_receipt(deposit.tx_hash, timeout=10).succeeded
    assert committed(context) - before == 5 * USDC  # one deposit on chain, counted once


def test_a_refusal_after_a_try_that_may_have_broadcast_stays_unknown_and_counted(
    stack: LocalStack, context: UserTradingContext
) -> None:
    arbitrum, before = context.get_arbitrum_client(), committed(context)
    fault(stack, context, 503)
    fault(stack, context, 400, body=NONCE_TOO_LOW)
    calls = privy_rpc_calls(stack, str(context.evm_wallet_id))
    with pytest.raises(OutcomeUnknownError):
        arbitrum.deposit_to_bridge(5, idempotency_key=f"unknown-{uuid.uuid4().hex[:8]}")
    assert privy_rpc_calls(stack, str(context.evm_wallet_id)) == calls + 2  # not resent as a stale nonce
    assert committed(context) - before == 5 * USDC


def test_a_breaker_write_failing_after_the_broadcast_keeps_the_hash_and_the_spend(
    stack: LocalStack, context: UserTradingContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from basis.signing import breaker

    def unwritable(*args: object, **kwargs: object) -> bool:
        raise UpdateError("Failed to update item: ProvisionedThroughputExceededException")

    monkeypatch.setattr(breaker.flags, "reset", unwritable)
    arbitrum, before = context.get_arbitrum_client(), committed(context)
    fault(stack, context, 503)  # one failure counted: the success must then reset the breaker
    deposit = arbitrum.deposit_to_bridge(5, idempotency_key=f"breaker-{uuid.uuid4().hex[:8]}")
    assert deposit.tx_hash.startswith("0x") and arbitrum.wait_receipt(deposit.tx_hash, timeout=10).succeeded
    assert committed(context) - before == 5 * USDC
