"""The custody migration against the local stack: wallets provisioned the old way (owned by the
platform's key quorum) are handed to their user, with the platform kept as a signer bound by its
override policy (on EVM a per-user policy the user owns; one the quorum still owns is handed over
too); a second run and a dry run change nothing; afterwards the platform still signs a
Bridge2 deposit and the user, with their access token, signs what the platform may not."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import privy
import pytest
import requests
from privy.lib.authorization import AuthorizationContext, generate_p256_key_pair
from privy.lib.jwt_exchange import JWTExchangeService
from privy.lib.request_options import PrivyRequestOptions
from privy.lib.wallets import PrivyWalletsService

from basis.identity import users
from basis.platform.secrets import get_secrets
from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from basis.policies.user_policy import build_user_evm_policy
from basis.privy.authorization import as_platform, as_user, policy_service, wallet_service
from basis.privy.client import privy_client
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import PolicyDeniedError
from basis.signing.signer import PrivyWalletSigner
from basis.wallets.store import CreatedWallet, WalletHolder, get_user_wallets, record_wallet
from local.runtime.stack import LocalStack
from tests.api_client import new_user_id
from tools import policy_requests as build
from tools.custody_migration import FAILED, MIGRATED, UNCHANGED, Platform, main, migrate, report
from tools.policy_matrix import SIGNABLE

ELSEWHERE = "0x2222222222222222222222222222222222222222"


def quorum_owned_wallet(stack: LocalStack, chain: Literal["ethereum", "solana"]) -> Any:
    """A wallet as provisioning created them before self-custody: owned by the platform's key
    quorum, the chain's platform policy as the wallet's policy."""
    ids = stack.privy_ids
    policy_id = ids.evm_policy_id if chain == "ethereum" else ids.solana_policy_id
    return privy_client().wallets.create(
        chain_type=chain, policy_ids=[policy_id] if policy_id else [], owner_id=ids.key_quorum_id
    )


def quorum_owned_user(stack: LocalStack) -> tuple[str, dict[str, Any]]:
    """A user (signed in, no provisioning) with such a wallet of each chain on their row."""
    user = new_user_id("custody")
    users.sign_in(user)
    wallets = {
        "ethereum": quorum_owned_wallet(stack, "ethereum"),
        "solana": quorum_owned_wallet(stack, "solana"),
    }
    for chain, wallet in wallets.items():
        record_wallet(user, CreatedWallet(wallet.id, wallet.address, chain))
    return user, wallets


def emulator_wallets(stack: LocalStack) -> list[dict[str, Any]]:
    answer = requests.get(f"{stack.url('privy')}/_local/wallets", timeout=10).json()
    return list(answer["wallets"])


@pytest.fixture
def platform(stack: LocalStack) -> Platform:
    return Platform.of(stack.privy_ids, get_secrets().privy_authorization_key or "")


def holders(user: str) -> list[WalletHolder]:
    return [WalletHolder(user, get_user_wallets(user) or pytest.fail("no such user"))]


def run(platform: Platform, user: str) -> str:
    return report(list(migrate(privy_client(), platform, holders(user))))


def signable(params: dict[str, Any]) -> dict[str, Any]:
    return {"transaction": {**params["transaction"], **SIGNABLE}}


def user_signs(stack: LocalStack, user: str, wallet_id: str, params: dict[str, Any]) -> Any:
    """``eth_signTransaction`` as the user: their access token in the SDK's authorization context."""
    wallets = PrivyWalletsService(privy_client(), JWTExchangeService(privy_client().wallets))
    body: Any = {"method": "eth_signTransaction", "chain_type": "ethereum", "params": params}
    token = stack.privy.issue_token(user)
    options = PrivyRequestOptions(authorization_context=AuthorizationContext(user_jwts=[token]))
    return wallets.rpc(wallet_id, wallet_rpc_request_body=body, request_options=options)


def user_owned_wallet_under_a_quorum_owned_policy(stack: LocalStack, user: str) -> tuple[Any, Any]:
    """A signed-in user's EVM wallet as provisioning made it before per-user policies were the
    user's: owned by the user, the platform signing under a per-user policy the quorum owns."""
    ids = stack.privy_ids
    users.sign_in(user)
    wallet = quorum_owned_wallet(stack, "ethereum")
    policy = privy_client().policies.create(
        **build_user_evm_policy(PolicySettings(), wallet.address), owner_id=ids.key_quorum_id
    )
    change: Any = {
        "owner": {"user_id": user},
        "policy_ids": [],
        "additional_signers": [{"signer_id": ids.key_quorum_id, "override_policy_ids": [policy.id]}],
    }
    wallet_service().update(wallet.id, wallet_update_params=change, request_options=as_platform())
    record_wallet(user, CreatedWallet(wallet.id, wallet.address, "ethereum"))
    return wallet, policy


def test_the_wallets_are_handed_to_the_user_once_and_a_dry_run_changes_nothing(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    user, wallets = quorum_owned_user(stack)
    ids = stack.privy_ids
    before = emulator_wallets(stack)
    main(["--dry-run"])  # every user of the table: nothing changes anywhere
    dry = capsys.readouterr().out
    assert emulator_wallets(stack) == before
    assert [line.split()[1:] for line in dry.splitlines() if line.startswith(user)] == [
        ["ethereum", wallets["ethereum"].id, "would", "migrate", "wallet"],
        ["solana", wallets["solana"].id, "would", "migrate", "wallet"],
    ]

    assert main(["--user", user, "--stage", "local"]) == 0
    first = capsys.readouterr().out
    assert first.splitlines()[-1] == "migrated 2, would migrate 0, unchanged 0, failed 0", first
    for chain in ("ethereum", "solana"):
        wallet = privy_client().wallets.get(wallets[chain].id)
        assert wallet.owner_id and privy_client().key_quorums.get(wallet.owner_id).user_ids == [user]
        assert wallet.policy_ids == []
        [signer] = wallet.additional_signers
        [policy_id] = signer.override_policy_ids or []
        assert signer.signer_id == ids.key_quorum_id
        if chain == "solana":
            assert policy_id == ids.solana_policy_id
        else:  # as for a new wallet: a policy the user owns, withdraw3 only to their address
            policy = privy_client().policies.get(policy_id)
            assert privy_client().key_quorums.get(str(policy.owner_id)).user_ids == [user]
            assert policy.name == f"user {wallet.address}"
        [seen] = [w for w in emulator_wallets(stack) if w["id"] == wallet.id]
        assert seen["owner_user"] == user and seen["owner_id"] == wallet.owner_id

    after = emulator_wallets(stack)
    assert main(["--user", user]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "migrated 0, would migrate 0, unchanged 2, failed 0"
    assert main(["--user", user, "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "migrated 0, would migrate 0, unchanged 2, failed 0"
    assert emulator_wallets(stack) == after


def test_a_run_stopped_midway_is_carried_on_by_the_next(stack: LocalStack, platform: Platform) -> None:
    user, wallets = quorum_owned_user(stack)
    outcomes = migrate(privy_client(), platform, holders(user))
    assert next(outcomes).outcome == MIGRATED  # the EVM wallet; then the run dies
    del outcomes
    lines = run(platform, user).splitlines()
    assert [line.split()[1:] for line in lines[1:3]] == [
        ["ethereum", wallets["ethereum"].id, UNCHANGED],
        ["solana", wallets["solana"].id, MIGRATED, "wallet"],
    ]


def test_a_per_user_policy_the_quorum_still_owns_is_handed_to_the_user_once(
    stack: LocalStack, platform: Platform
) -> None:
    """A wallet provisioned before per-user policies were the user's: the user owns the wallet, the
    quorum the policy binding the platform. The run gives the policy to the user (one PATCH signed
    by the quorum); from then on the platform cannot change it and the user can."""
    user = new_user_id("custody")
    wallet, policy = user_owned_wallet_under_a_quorum_owned_policy(stack, user)
    assert run(platform, user).splitlines()[1].split()[1:] == ["ethereum", wallet.id, MIGRATED, "policy"]
    owner = privy_client().policies.get(policy.id).owner_id
    assert privy_client().key_quorums.get(str(owner)).user_ids == [user]
    assert run(platform, user).splitlines()[1].split()[1:] == ["ethereum", wallet.id, UNCHANGED]
    rename: Any = {"name": "taken back"}
    with pytest.raises(privy.AuthenticationError):
        policy_service().update(policy.id, policy_update_params=rename, request_options=as_platform())
    token = stack.privy.issue_token(user)
    assert (
        policy_service().update(policy.id, policy_update_params=rename, request_options=as_user(token)).name
        == "taken back"
    )


def test_a_run_configured_for_another_stage_does_nothing(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    user, wallets = quorum_owned_user(stack)
    assert main(["--user", user, "--stage", "prod"]) == 2
    assert "not 'prod'" in capsys.readouterr().err
    assert privy_client().wallets.get(wallets["ethereum"].id).owner_id == stack.privy_ids.key_quorum_id


def test_a_wallet_the_platform_does_not_own_fails_with_its_reason_and_the_rest_goes_on(
    stack: LocalStack, platform: Platform
) -> None:
    user, wallets = quorum_owned_user(stack)
    stranger = privy_client().key_quorums.create(user_ids=[new_user_id("stranger")])
    service = PrivyWalletsService(privy_client())
    service.update(
        wallets["ethereum"].id,
        wallet_update_params={"owner_id": stranger.id},
        request_options=PrivyRequestOptions(
            authorization_context=AuthorizationContext(
                authorization_private_keys=[platform.authorization_key]
            )
        ),
    )
    text = run(platform, user)
    [evm] = [line for line in text.splitlines() if wallets["ethereum"].id in line]
    assert FAILED in evm and f"owned by key quorum {stranger.id}" in evm
    [sol] = [line for line in text.splitlines() if wallets["solana"].id in line]
    assert MIGRATED in sol
    assert text.splitlines()[-2:] == [
        "migrated 1, would migrate 0, unchanged 0, failed 1",
        f"  failed 1: owned by key quorum {stranger.id}, neither the platform's nor the user's",
    ]


def test_wallets_made_user_owned_by_provisioning_are_unchanged_unless_another_signer_is_in(
    stack: LocalStack, platform: Platform
) -> None:
    ids = stack.privy_ids
    user = new_user_id("custody")
    users.sign_in(user)
    own_policy = privy_client().policies.create(
        **{**build_evm_policy(PolicySettings()), "name": "one wallet's own"}, owner_id=ids.key_quorum_id
    )
    stranger = privy_client().key_quorums.create(public_keys=[generate_p256_key_pair().public_key])
    made: list[tuple[Literal["ethereum", "solana"], Any]] = [
        ("ethereum", [{"signer_id": ids.key_quorum_id, "override_policy_ids": [own_policy.id]}]),
        ("solana", [{"signer_id": stranger.id}]),
    ]
    for chain, signers in made:
        wallet = privy_client().wallets.create(
            chain_type=chain, owner={"user_id": user}, additional_signers=signers
        )
        record_wallet(user, CreatedWallet(wallet.id, wallet.address, chain))
    lines = run(platform, user).splitlines()
    assert lines[1].split()[1::2] == ["ethereum", UNCHANGED]
    assert lines[2].split()[1] == "solana" and f"'signer_id': '{stranger.id}'" in lines[2]
    assert lines[-2] == "migrated 0, would migrate 0, unchanged 1, failed 1"


def test_a_wallet_recorded_under_another_address_is_not_handed_over(
    stack: LocalStack, platform: Platform
) -> None:
    user = new_user_id("custody")
    users.sign_in(user)
    wallet = quorum_owned_wallet(stack, "ethereum")
    record_wallet(user, CreatedWallet(wallet.id, ELSEWHERE, "ethereum"))
    assert "not the user's " + ELSEWHERE in run(platform, user)
    assert privy_client().wallets.get(wallet.id).owner_id == stack.privy_ids.key_quorum_id


def test_after_migration_the_platform_signs_deposits_and_the_user_what_the_platform_may_not(
    stack: LocalStack, platform: Platform
) -> None:
    user, wallets = quorum_owned_user(stack)
    evm = wallets["ethereum"]
    eth_transfer = signable(build.evm_tx(ELSEWHERE, value=10**15))
    with pytest.raises(privy.AuthenticationError):  # before: the user is no signer of their wallet
        user_signs(stack, user, evm.id, eth_transfer)
    assert "migrated 2," in run(platform, user)

    signer = PrivyWalletSigner(  # the product's signer: the platform key from the secret
        user, evm.id, evm.address, "ethereum", breaker=SharedCircuitBreaker(f"custody-{uuid.uuid4().hex[:8]}")
    )
    deposit = signable(build.deposit(100 * 10**6, recipient=PolicySettings().hyperliquid_bridge_address))
    assert signer.sign_eth_transaction(deposit["transaction"]).startswith("0x02")
    with pytest.raises(PolicyDeniedError):  # the override policy binds the platform
        signer.sign_eth_transaction(eth_transfer["transaction"])
    assert user_signs(stack, user, evm.id, eth_transfer).data.signed_transaction.startswith("0x02")
