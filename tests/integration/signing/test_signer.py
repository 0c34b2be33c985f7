"""The signing layer against the Privy emulator (request log and fault injection prove the call
counts), DynamoDB Local (breaker, caps, ledger) and the Hyperliquid simulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import eth_account
import pytest
import requests
from hyperliquid.utils import signing

from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from basis.signing import caps as spend_caps
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import (
    CircuitOpenError,
    OutcomeUnknownError,
    PolicyDeniedError,
    SigningError,
    SpendCapExceededError,
)
from basis.signing.health import wallet_health
from basis.signing.hyperliquid import (
    PrivyHyperliquidExchange,
    l1_typed_data,
    split_signature,
    user_signed_typed_data,
)
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner
from local.runtime.stack import LocalStack

pytest.importorskip("local.privy", reason="the Privy emulator (local/privy) has not landed yet")

POLICY = build_evm_policy(PolicySettings())
USDC, BRIDGE = PolicySettings().arbitrum_usdc_address, PolicySettings().hyperliquid_bridge_address
FAST = {"retry_jitter": 0, "retry_base_delay": 0.0, "retry_max_delay": 0.0}


class Privy:
    """The emulator as a test sees it: its URL, an SDK client, the request log and faults."""

    def __init__(self, url: str, emulator: Any, client: Any) -> None:
        self.url, self.emulator, self.client = url, emulator, client
        self.policy_id = client.policies.create(**POLICY).id

    def wallet(self, *, policy: bool = True) -> tuple[str, str]:
        params: dict[str, Any] = {"chain_type": "ethereum"}
        if policy:
            params["policy_ids"] = [self.policy_id]
        created = self.client.wallets.create(**params)
        return created.id, created.address

    def rpc_calls(self, wallet_id: str) -> int:
        path = f"/v1/wallets/{wallet_id}/rpc"
        log = requests.get(f"{self.url}/_local/requests", params={"path": path}, timeout=5).json()
        return len(log["requests"])

    def fault(self, wallet_id: str, status: int, count: int) -> None:
        requests.post(
            f"{self.url}/_local/faults",
            timeout=5,
            json={"path": f"/v1/wallets/{wallet_id}/rpc", "status": status, "count": count},
        ).raise_for_status()


@pytest.fixture(scope="module")
def privy(stack: LocalStack) -> Iterator[Privy]:
    from privy import PrivyAPI

    from basis.platform.secrets import get_secrets
    from local.privy import PrivyEmulator
    from local.runtime.httpservice import ServedApp

    served = None
    emulator = getattr(stack, "privy", None)
    if emulator is None:  # the stack does not serve it yet: serve one on an ephemeral port
        emulator = PrivyEmulator()
        served = ServedApp(emulator, 0, "privy").start()
    url = served.url if served else stack.url("privy")
    client = PrivyAPI(
        app_id=stack.privy_app_id,
        app_secret=get_secrets().privy_app_secret,
        base_url=url,
        max_retries=0,
        timeout=10,
    )
    try:
        yield Privy(url, emulator, client)
    finally:
        if served is not None:
            served.stop()


def make_signer(
    privy: Privy,
    *,
    policy: bool = True,
    breaker: SharedCircuitBreaker | None = None,
    user: str | None = None,
    wallet: tuple[str, str] | None = None,
    policy_settings: PolicySettings | None = None,
    **settings: Any,
) -> PrivyWalletSigner:
    wallet_id, address = wallet or privy.wallet()
    return PrivyWalletSigner(
        user or f"did:privy:{uuid.uuid4().hex[:10]}",
        wallet_id,
        address,
        "ethereum",
        policy=POLICY if policy else None,
        breaker=breaker or SharedCircuitBreaker(f"b-{uuid.uuid4().hex[:8]}"),
        settings=SigningSettings(**{**FAST, **settings}),
        policy_settings=policy_settings,
        client=privy.client,
        authorization_key="",
        sleep=lambda s: None,
    )


def eth_transfer(value: int) -> dict[str, Any]:
    return {
        "to": "0x1111111111111111111111111111111111111111",
        "value": hex(value),
        "chain_id": 42161,
        "nonce": 0,
        "gas_limit": hex(21000),
        "max_fee_per_gas": hex(10**8),
        "max_priority_fee_per_gas": hex(0),
        "type": 2,
    }


def usdc_deposit(amount_base: int) -> dict[str, Any]:
    from eth_abi import encode
    from eth_utils import keccak

    selector = keccak(text="transfer(address,uint256)")[:4]
    data = selector + encode(["address", "uint256"], [BRIDGE, amount_base])
    return {
        "to": USDC,
        "data": "0x" + data.hex(),
        "value": "0x0",
        "chain_id": 42161,
        "nonce": 0,
        "gas_limit": hex(100_000),
        "max_fee_per_gas": hex(10**8),
        "max_priority_fee_per_gas": hex(0),
        "type": 2,
    }


GTC = {"limit": {"tif": "Gtc"}}


def order_action() -> dict[str, Any]:
    request = {
        "coin": "ETH",
        "is_buy": False,
        "sz": 0.1,
        "limit_px": 3400.0,
        "order_type": GTC,
        "reduce_only": False,
    }
    wire = signing.order_request_to_order_wire(request, 1)
    return signing.order_wires_to_order_action([wire], None, "na")


def order_typed_data() -> dict[str, Any]:
    return l1_typed_data(order_action(), signing.get_timestamp_ms(), is_mainnet=False)


def test_a_privy_policy_denial_is_attempted_once_and_a_preflight_denial_not_at_all(privy: Privy) -> None:
    wallet = privy.wallet()
    without_copy = make_signer(privy, policy=False, wallet=wallet)
    with pytest.raises(PolicyDeniedError) as denied:
        without_copy.sign_eth_transaction(eth_transfer(10**15))
    assert not denied.value.preflight and privy.rpc_calls(wallet[0]) == 1
    with_copy = make_signer(privy, wallet=wallet)
    with pytest.raises(PolicyDeniedError) as preflight:
        with_copy.sign_eth_transaction(eth_transfer(10**15))
    assert preflight.value.preflight and "Deny native ETH transfers" in preflight.value.explanation
    assert privy.rpc_calls(wallet[0]) == 1  # no network call for the preflight denial


def test_an_allowed_request_still_goes_to_privy_and_returns_its_signature(privy: Privy) -> None:
    signer = make_signer(privy)
    signature = signer.sign_typed_data_v4(order_typed_data())
    assert signature.startswith("0x") and len(signature) == 132
    assert privy.rpc_calls(signer.wallet_id) == 1


def test_two_503s_then_success_is_retried_and_succeeds(privy: Privy) -> None:
    signer = make_signer(privy)
    privy.fault(signer.wallet_id, 503, 2)
    assert signer.sign_typed_data_v4(order_typed_data()).startswith("0x")
    assert privy.rpc_calls(signer.wallet_id) == 3


def test_retries_exhausted_is_a_retriable_signing_error(privy: Privy) -> None:
    signer = make_signer(privy)
    privy.fault(signer.wallet_id, 503, 3)
    with pytest.raises(SigningError) as caught:
        signer.sign_typed_data_v4(order_typed_data())
    assert caught.value.retriable and not isinstance(caught.value, PolicyDeniedError)
    assert privy.rpc_calls(signer.wallet_id) == 3


def test_five_consecutive_failures_open_the_breaker_for_every_signer(privy: Privy) -> None:
    name = f"shared-{uuid.uuid4().hex[:8]}"
    first = make_signer(privy, breaker=SharedCircuitBreaker(name), retry_attempts=1)
    other = make_signer(privy, breaker=SharedCircuitBreaker(name), retry_attempts=1)
    privy.fault(first.wallet_id, 503, 5)
    for _ in range(5):
        with pytest.raises(SigningError):
            first.sign_typed_data_v4(order_typed_data())
    with pytest.raises(CircuitOpenError):
        other.sign_typed_data_v4(order_typed_data())
    assert privy.rpc_calls(other.wallet_id) == 0 and privy.rpc_calls(first.wallet_id) == 5


def test_cap_refusal_makes_no_privy_call_and_the_ledger_and_health_count_it(privy: Privy) -> None:
    user = f"did:privy:cap-{uuid.uuid4().hex[:8]}"
    daily_10_usdc = PolicySettings(max_usdc_per_tx=Decimal(10), max_usdc_daily=Decimal(10))
    signer = make_signer(privy, user=user, policy_settings=daily_10_usdc)
    before = wallet_health(SharedCircuitBreaker()).signing.last_24h
    assert signer.sign_eth_transaction(usdc_deposit(6_000_000)).startswith("0x")
    with pytest.raises(SpendCapExceededError) as refused:
        signer.sign_eth_transaction(usdc_deposit(6_000_000))
    assert (refused.value.asset, refused.value.used, refused.value.cap) == ("USDC", 6_000_000, 10_000_000)
    assert privy.rpc_calls(signer.wallet_id) == 1
    after = wallet_health(SharedCircuitBreaker()).signing.last_24h
    assert after["cap_exceeded"] - before["cap_exceeded"] >= 1 and after["success"] - before["success"] >= 1
    from basis.models import SigningRecord

    mine = sorted(r.result for r in SigningRecord.by_user.query(user))
    assert mine == ["cap_exceeded", "success"]


def test_hyperliquid_signatures_via_privy_equal_the_sdk_and_the_simulator_accepts_the_order(
    privy: Privy, stack: LocalStack
) -> None:
    signer = make_signer(privy)
    key = eth_account.Account.from_key(privy.emulator.private_key_of(signer.wallet_id))
    assert key.address.lower() == str(signer.wallet_address).lower()
    exchange = PrivyHyperliquidExchange(signer, stack.url("hyperliquid"))
    nonce = signing.get_timestamp_ms()
    order = order_action()
    sdk_signature = signing.sign_l1_action(key, order, None, nonce, None, False)
    assert exchange.sign_l1_action(order, nonce) == sdk_signature
    withdraw = {"destination": key.address, "amount": "7", "time": nonce, "type": "withdraw3"}
    expected = signing.sign_withdraw_from_bridge_action(key, dict(withdraw), False)
    data = user_signed_typed_data(
        withdraw, signing.WITHDRAW_SIGN_TYPES, "HyperliquidTransaction:Withdraw", is_mainnet=False
    )
    assert split_signature(signer.sign_typed_data_v4(data)) == expected

    requests.post(
        f"{stack.url('hyperliquid')}/_local/credit", json={"user": key.address, "usdc": "1000"}, timeout=5
    ).raise_for_status()
    answer = exchange.order("ETH", False, 0.01, 3400.0, GTC)
    assert answer["status"] == "ok", answer
    assert "error" not in answer["response"]["data"]["statuses"][0], answer


def test_a_send_with_no_definitive_answer_is_counted_and_not_offered_for_a_blind_retry(privy: Privy) -> None:
    user = f"did:privy:unknown-{uuid.uuid4().hex[:8]}"
    signer = make_signer(privy, user=user)
    privy.fault(signer.wallet_id, 503, 3)
    with pytest.raises(OutcomeUnknownError) as caught:
        signer.send_eth_transaction(usdc_deposit(7_000_000), idempotency_key=f"transfer-{user}")
    assert not caught.value.retriable and caught.value.idempotency_key == f"transfer-{user}"
    assert privy.rpc_calls(signer.wallet_id) == 3
    # It may have been broadcast: the 24 h cap counts it (unresolved) until the reconciler decides.
    assert spend_caps.usage(user, "USDC").unresolved == 7_000_000
