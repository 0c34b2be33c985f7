"""The custody model of new server wallets (README, "Custody"), through ``PrivyWalletCreator`` and
the Privy emulator: the user owns each wallet, the platform's key quorum is an additional signer
bound by its override policy -- per user on EVM, pinning withdraw3 to the user's own address, and
owned by the user, so that only the user's key can widen what the platform may sign."""

from __future__ import annotations

import uuid
from typing import Any, cast

import privy
import pytest

from basis.chains.amounts import usdc_base_units
from basis.platform.errors import ConfigurationError
from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from basis.policies.user_policy import WITHDRAW
from basis.privy.authorization import as_platform, as_user, policy_service, wallet_service
from basis.privy.client import privy_client
from basis.wallets.creator import PrivyWalletCreator
from basis.wallets.provisioning import ProvisioningError
from local.runtime.controls import Fault
from local.runtime.stack import LocalStack
from tools import policy_requests as build
from tools.policy_matrix import SIGNABLE


def new_user() -> str:
    return f"did:privy:{uuid.uuid4().hex[:12]}"


def create(stack: LocalStack, chain: str, user_id: str, key: str | None = None) -> Any:
    ids = stack.privy_ids
    policy_id = ids.evm_policy_id if chain == "ethereum" else ids.solana_policy_id
    created = PrivyWalletCreator().create_wallet(
        chain,
        user_id=user_id,
        signer_id=ids.key_quorum_id,
        policy_id=policy_id,
        idempotency_key=key or uuid.uuid4().hex,
    )
    return privy_client().wallets.get(created.id)


def owner_users(wallet: Any) -> list[str]:
    return list(privy_client().key_quorums.get(wallet.owner_id).user_ids or [])


def rpc(wallet_id: str, method: str, params: dict[str, Any], options: Any) -> Any:
    body = cast(Any, {"method": method, "chain_type": "ethereum", "params": params})
    return wallet_service().rpc(wallet_id, wallet_rpc_request_body=body, request_options=options).data


def denied(call: Any) -> str:
    with pytest.raises(privy.APIStatusError) as failed:
        call()
    return str(cast(dict[str, Any], failed.value.body)["code"])


def test_new_wallets_are_the_users_with_the_platform_as_a_bound_signer(stack: LocalStack) -> None:
    user = new_user()
    evm, sol = create(stack, "ethereum", user), create(stack, "solana", user)
    quorum = stack.privy_ids.key_quorum_id
    for wallet in (evm, sol):
        assert owner_users(wallet) == [user] and wallet.owner_id != quorum
        assert wallet.policy_ids == []  # the owner is not restricted: it is the user's wallet
    [evm_signer], [sol_signer] = evm.additional_signers, sol.additional_signers
    assert (sol_signer.signer_id, sol_signer.override_policy_ids) == (
        quorum,
        [stack.privy_ids.solana_policy_id],
    )
    assert evm_signer.signer_id == quorum
    [per_user] = evm_signer.override_policy_ids
    assert per_user != stack.privy_ids.evm_policy_id
    policy = privy_client().policies.get(per_user)  # the user's: only their key widens it
    assert privy_client().key_quorums.get(str(policy.owner_id)).user_ids == [user]
    assert policy.name == f"user {evm.address}"
    [withdraw] = [r for r in policy.rules if WITHDRAW in str(r.model_dump())]
    pins = [c for c in withdraw.conditions if getattr(c, "field", None) == "destination"]
    assert [c.value for c in pins] == [[evm.address, evm.address.lower()]]


def test_the_platform_withdraws_only_to_the_users_own_address(stack: LocalStack) -> None:
    wallet = create(stack, "ethereum", new_user())
    own = build.hl_user_action_typed_data("withdraw3", destination=wallet.address)
    assert rpc(wallet.id, "eth_signTypedData_v4", own, as_platform()).signature
    elsewhere = build.hl_user_action_typed_data("withdraw3", destination=build.RANDOM_ADDRESS)
    assert (
        denied(lambda: rpc(wallet.id, "eth_signTypedData_v4", elsewhere, as_platform())) == "policy_violation"
    )
    bridge = {"transaction": {**build.deposit(usdc_base_units(100))["transaction"], **SIGNABLE}}
    assert rpc(wallet.id, "eth_signTransaction", bridge, as_platform()).signed_transaction


def test_only_the_user_can_change_the_wallet_or_sign_outside_the_platforms_policy(stack: LocalStack) -> None:
    user = new_user()
    wallet = create(stack, "ethereum", user)
    takeover: Any = {"owner_id": stack.privy_ids.key_quorum_id}
    assert (
        denied(
            lambda: wallet_service().update(
                wallet.id, wallet_update_params=takeover, request_options=as_platform()
            )
        )
        == "zero_correct_authorization_signatures"
    )
    eth = {"transaction": {**build.evm_tx(build.RANDOM_ADDRESS, value=10**15)["transaction"], **SIGNABLE}}
    assert denied(lambda: rpc(wallet.id, "eth_signTransaction", eth, as_platform())) == "policy_violation"
    token = stack.privy.issue_token(user)
    assert rpc(wallet.id, "eth_signTransaction", eth, as_user(token)).signed_transaction
    renamed = wallet_service().update(
        wallet.id, wallet_update_params={"display_name": "mine"}, request_options=as_user(token)
    )
    assert renamed.display_name == "mine"
    stranger = stack.privy.issue_token(new_user())
    assert denied(lambda: rpc(wallet.id, "eth_signTransaction", eth, as_user(stranger))) == (
        "zero_correct_authorization_signatures"
    )


def test_only_the_user_can_change_the_platforms_policy(stack: LocalStack) -> None:
    user = new_user()
    wallet = create(stack, "ethereum", user)
    [policy_id] = wallet.additional_signers[0].override_policy_ids
    widen: Any = {"rules": build_evm_policy(PolicySettings())["rules"]}  # withdraw3 anywhere
    for options in (as_platform(), as_user(stack.privy.issue_token(new_user()))):
        assert (
            denied(
                lambda options=options: policy_service().update(
                    policy_id, policy_update_params=widen, request_options=options
                )
            )
            == "zero_correct_authorization_signatures"
        )
    token = stack.privy.issue_token(user)
    renamed = policy_service().update(
        policy_id, policy_update_params={"name": "mine"}, request_options=as_user(token)
    )
    assert renamed.name == "mine"


def test_a_failed_handover_is_completed_by_the_retry_with_the_same_wallet(stack: LocalStack) -> None:
    user, key = new_user(), uuid.uuid4().hex
    stack.privy.add_fault(Fault(path="/v1/wallets", method="PATCH", status=503))
    with pytest.raises(ProvisioningError) as failed:
        create(stack, "ethereum", user, key)
    assert failed.value.retriable
    policies = stack.privy.health_details()["policies"]
    wallet = create(stack, "ethereum", user, key)
    assert owner_users(wallet) == [user]
    assert stack.privy.health_details()["policies"] == policies  # the policy came back by its key
    again = create(stack, "ethereum", user, key)  # already handed over: nothing more to do
    assert again.id == wallet.id and again.additional_signers == wallet.additional_signers


def test_no_wallet_without_the_platforms_signer_and_policy(stack: LocalStack) -> None:
    before = stack.privy.health_details()["wallets"]
    for signer_id, policy_id in ((None, "pol"), ("kq", None)):
        with pytest.raises(ConfigurationError):
            PrivyWalletCreator(PolicySettings()).create_wallet(
                "solana", user_id=new_user(), signer_id=signer_id, policy_id=policy_id, idempotency_key="k"
            )
    assert stack.privy.health_details()["wallets"] == before
