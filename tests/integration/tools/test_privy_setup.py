"""The operator scripts against the Privy emulator: policies created once (idempotent), and the
verification matrix answered by Privy exactly as expected and as the local evaluator predicts."""

from __future__ import annotations

import privy
import pytest
from privy.lib.request_options import PrivyRequestOptions

from basis.platform.secrets import get_secrets
from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from basis.privy.client import privy_client
from local.runtime.stack import LocalStack
from tools.privy_setup import create
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
    assert len(outcomes) == 18 and text.endswith("18 passed, 0 failed")


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
