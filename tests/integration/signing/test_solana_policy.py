"""The Solana policy's closed holes, through the signer and the Privy emulator (sign-only: nothing is
broadcast). Privy itself denies SPL delegation; a 500 SOL ``CreateAccount``, whose lamports Privy's
conditions cannot read, is refused before Privy by the preflight's SOL cap, and without the
preflight by the daily SOL cap it is counted against."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import requests
from solders.pubkey import Pubkey

from basis.policies.local_copy import for_wallet
from basis.policies.rules import build_solana_policy
from basis.policies.settings import PolicySettings
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import PolicyDeniedError, SpendCapExceededError
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner
from local.runtime.stack import LocalStack
from tools import policy_requests as build

POLICY = build_solana_policy(PolicySettings())
SOL, USDC = 10**9, 10**6


@pytest.fixture(scope="module")
def wallet(privy_client: Any) -> Any:
    policy_id = privy_client.policies.create(**POLICY).id
    return privy_client.wallets.create(chain_type="solana", policy_ids=[policy_id])


def signer(
    client: Any, wallet: Any, *, local_copy: bool, settings: PolicySettings | None = None
) -> PrivyWalletSigner:
    return PrivyWalletSigner(
        f"did:privy:{uuid.uuid4().hex[:10]}",
        wallet.id,
        wallet.address,
        "solana",
        policy=for_wallet(POLICY, wallet.address) if local_copy else None,
        breaker=SharedCircuitBreaker(f"solana-policy-{uuid.uuid4().hex[:8]}"),
        settings=SigningSettings(retry_jitter=0, retry_base_delay=0.0, retry_max_delay=0.0),
        policy_settings=settings,
        client=client,
        authorization_key="",
        sleep=lambda s: None,
    )


def rpc_calls(stack: LocalStack, wallet_id: str) -> int:
    path = f"/v1/wallets/{wallet_id}/rpc"
    log = requests.get(f"{stack.url('privy')}/_local/requests", params={"path": path}, timeout=5).json()
    return len(log["requests"])


def tx(wallet: Any, *instructions: Any) -> str:
    return str(build.solana_tx(*instructions, payer=Pubkey.from_string(wallet.address))["transaction"])


def test_privy_denies_spl_delegation_and_the_preflight_names_the_rule(
    stack: LocalStack, privy_client: Any, wallet: Any
) -> None:
    owner = Pubkey.from_string(wallet.address)
    for approve in (build.approve(USDC, owner), build.approve_checked(USDC, owner, build.TOKEN_2022_PROGRAM)):
        with pytest.raises(PolicyDeniedError) as at_privy:
            signer(privy_client, wallet, local_copy=False).sign_solana_transaction(tx(wallet, approve))
        assert not at_privy.value.preflight  # the emulator, enforcing the Privy policy, refused
        before = rpc_calls(stack, wallet.id)
        with pytest.raises(PolicyDeniedError) as preflight:
            signer(privy_client, wallet, local_copy=True).sign_solana_transaction(tx(wallet, approve))
        assert preflight.value.preflight and rpc_calls(stack, wallet.id) == before
        assert preflight.value.rule == "Deny SPL delegation and authority changes (signTransaction)"


def test_a_500_sol_create_account_is_refused_and_counted_where_privy_cannot_see_it(
    stack: LocalStack, privy_client: Any, wallet: Any
) -> None:
    create = tx(wallet, build.create_account_ix(500 * SOL, Pubkey.from_string(wallet.address)))
    before = rpc_calls(stack, wallet.id)
    with pytest.raises(PolicyDeniedError) as preflight:
        signer(privy_client, wallet, local_copy=True).sign_solana_transaction(create)
    assert preflight.value.preflight and "read as a Transfer" in preflight.value.reason
    assert preflight.value.rule == "Deny SOL transfers over the cap (signTransaction)"
    with pytest.raises(SpendCapExceededError) as capped:  # no local copy: the daily cap counts it
        signer(privy_client, wallet, local_copy=False).sign_solana_transaction(create)
    assert (capped.value.asset, capped.value.amount, capped.value.cap) == ("SOL", 500 * SOL, 50 * SOL)
    assert rpc_calls(stack, wallet.id) == before  # neither reached Privy
    # Privy's conditions cannot read CreateAccount's lamports: Privy alone signs it.
    roomy = PolicySettings(max_sol_daily=Decimal(1000))
    assert signer(privy_client, wallet, local_copy=False, settings=roomy).sign_solana_transaction(create)
