"""The DynamoDB calls on a signature's critical path, counted by a botocore hook against DynamoDB
Local and the Privy emulator: a typed-data signature makes one (its ledger row), a capped send two
(the reservation; the commit with the ledger row), once the control flags are in the container's
cache. And 30 concurrent capped sends by one user never pass the cap."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from basis.platform import flags
from basis.policies.settings import PolicySettings
from basis.signing import caps as spend_caps
from basis.signing.errors import SpendCapExceededError
from tests.dynamodb_calls import counting
from tests.integration.signing import test_signer
from tests.integration.signing.test_signer import Privy, make_signer, order_typed_data, usdc_deposit

USDC = 1_000_000
privy = test_signer.privy  # the Privy emulator fixture


@pytest.fixture
def long_lived_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flags' cache holds for the whole test (on a loaded machine a signature can take longer
    than the 1 s it holds for in production: the count would then include a refresh)."""
    monkeypatch.setattr(flags, "RECENT_SECONDS", 60.0)


def test_a_typed_data_signature_makes_one_dynamodb_call(privy: Privy, long_lived_reads: None) -> None:
    signer = make_signer(privy)
    signer.sign_typed_data_v4(order_typed_data())  # the container's first: the flags are read
    with counting() as calls:
        signer.sign_typed_data_v4(order_typed_data())
    assert sum(calls.values()) <= 1, dict(calls)


def test_a_capped_send_makes_two_dynamodb_calls(privy: Privy, long_lived_reads: None) -> None:
    signer = make_signer(privy, policy_settings=PolicySettings(max_usdc_daily=Decimal(10**6)))
    signer.sign_eth_transaction(usdc_deposit(5 * USDC))  # the user's first: the window is created
    with counting() as calls:
        signer.sign_eth_transaction(usdc_deposit(5 * USDC))
    assert sum(calls.values()) <= 2, dict(calls)
    assert spend_caps.usage(signer.user_id, "USDC") == spend_caps.Usage(10 * USDC, 0, 0)


def test_thirty_concurrent_capped_sends_by_one_user_stop_exactly_at_the_cap(privy: Privy) -> None:
    user = f"did:privy:{uuid.uuid4().hex[:10]}"
    capped = PolicySettings(max_usdc_daily=Decimal(100), max_usdc_per_tx=Decimal(100))  # 20 sends of 5
    wallet = privy.wallet()
    signers = [make_signer(privy, user=user, wallet=wallet, policy_settings=capped) for _ in range(30)]

    def send(index: int) -> bool:
        try:
            signers[index].sign_eth_transaction(usdc_deposit(5 * USDC))
        except SpendCapExceededError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=30) as pool:
        sent = sum(pool.map(send, range(30)))
    assert sent == 20
    assert spend_caps.usage(user, "USDC") == spend_caps.Usage(100 * USDC, 0, 0)
