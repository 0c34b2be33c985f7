"""The operator scripts against the Privy emulator: policies created once (idempotent), rewritten
in place (the shared ones and each per-user policy the platform's quorum still owns, never one the
user owns), and the verification matrix answered by Privy exactly
as expected and as the local evaluator predicts, on wallets in the custody shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import privy
import pytest
from privy.lib.request_options import PrivyRequestOptions

from basis.chains.amounts import usdc_base_units
from basis.platform.secrets import get_secrets
from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from basis.privy.authorization import as_platform, wallet_service
from basis.privy.client import privy_client
from local.runtime.stack import LocalStack
from tests.api_client import new_user_id
from tests.integration.tools.test_custody_migration import user_owned_wallet_under_a_quorum_owned_policy
from tools import policy_requests as build
from tools.policy_matrix import SIGNABLE
from tools.privy_setup import create, update
from tools.privy_verify import report, verify


def test_setup_is_idempotent(stack: LocalStack) -> None:
    ids, created = create(privy_client(), get_secrets().privy_authorization_key or "", "local")
    assert not created and ids == stack.privy_ids
    policy = privy_client().policies.get(ids.evm_policy_id)
    assert policy.owner_id == ids.key_quorum_id and policy.chain_type == "ethereum"


def test_verification_matrix_passes_against_the_emulator(stack: LocalStack) -> None:
    outcomes = verify(privy_client(), stack.privy_ids, get_secrets().privy_authorization_key or "", "local")
    text = report(outcomes)
    assert all(o.passed for o in outcomes), text
    assert len(outcomes) == 22 and text.endswith("22 passed, 0 failed")
    assert [o.case.allowed for o in outcomes if o.case.name.startswith("per-user")] == [True, False] * 2


def _bridge_deposit(wallet_id: str, usdc: int) -> Any:
    params = {"transaction": {**build.deposit(usdc_base_units(usdc))["transaction"], **SIGNABLE}}
    body = cast(Any, {"method": "eth_signTransaction", "chain_type": "ethereum", "params": params})
    return wallet_service().rpc(wallet_id, wallet_rpc_request_body=body, request_options=as_platform())


def test_update_rewrites_the_shared_and_quorum_owned_policies_never_a_users(
    stack: LocalStack, privy_wallets: dict[str, Any]
) -> None:
    """The platform rewrites its shared policies and a per-user policy its quorum still owns; a
    per-user policy the user owns (every new wallet's) is the user's to change, not the platform's."""
    key, wallet_id = get_secrets().privy_authorization_key or "", privy_wallets["evm_wallet_id"]
    legacy, _ = user_owned_wallet_under_a_quorum_owned_policy(stack, new_user_id("legacy"))
    assert _bridge_deposit(wallet_id, 100).data and _bridge_deposit(legacy.id, 100).data
    try:
        counts = update(
            privy_client(), key, stack.privy_ids, settings=PolicySettings(max_usdc_per_tx=Decimal(50))
        )
        assert counts["shared"] == 2 and counts["per_user"] >= 1 and counts["user_owned"] >= 1
        with pytest.raises(privy.BadRequestError):  # the quorum-owned policy now caps at 50 USDC
            _bridge_deposit(legacy.id, 100)
        assert _bridge_deposit(legacy.id, 50).data
        assert _bridge_deposit(wallet_id, 100).data  # the user's own policy: untouched
        shared = privy_client().policies.get(stack.privy_ids.evm_policy_id).model_dump()
        assert str(usdc_base_units(50)) in str(shared["rules"])
    finally:
        update(privy_client(), key, stack.privy_ids)  # back to the stack's settings
    assert _bridge_deposit(legacy.id, 100).data


def _options(key: str) -> PrivyRequestOptions:
    from privy.lib.authorization import AuthorizationContext

    return PrivyRequestOptions(authorization_context=AuthorizationContext(authorization_private_keys=[key]))


def test_policy_update_needs_the_quorums_authorization_signature(stack: LocalStack) -> None:
    from privy.lib.authorization import generate_p256_key_pair
    from privy.lib.policies import PrivyPoliciesService

    policies = PrivyPoliciesService(privy_client())
    created = policies.create(**build_evm_policy(PolicySettings()), owner_id=stack.privy_ids.key_quorum_id)
    for options in (None, _options(generate_p256_key_pair().private_key)):  # unsigned, then a stranger's key
        with pytest.raises(privy.AuthenticationError):
            policies.update(created.id, policy_update_params={"name": "hijacked"}, request_options=options)
    assert policies.get(created.id).name != "hijacked"
    renamed = policies.update(
        created.id,
        policy_update_params={"name": "renamed by the platform"},
        request_options=_options(get_secrets().privy_authorization_key or ""),
    )
    assert renamed.name == "renamed by the platform"
