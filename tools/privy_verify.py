"""Run the policy verification matrix against Privy (or the emulator) and compare each answer with
what the case expects and with the local evaluator's prediction (seed 1.6-1.8).

Throwaway wallets (reused across runs through their idempotency keys) have the shape of users'
wallets (README, "Custody"): an owner that is not the platform -- here a P-256 key derived from the
platform's, standing in for the user -- and the platform's key quorum as additional signer under
its override policy. Every case is signed with the platform's key, so Privy decides by the
signer's override policy alone: the shared policies (the matrix, one wallet per chain), and a
per-user EVM policy, owned by the wallet's owner as users own theirs, pinning withdraw3 to its
wallet's own address and allowing USDC to one registered withdrawal address (four more cases).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from basis.platform.errors import ConfigurationError
from basis.policies.evaluator import evaluate
from basis.policies.settings import PolicySettings
from basis.policies.user_policy import build_user_evm_policy
from basis.privy.authorization import as_platform
from basis.privy.ids import PrivyIds
from tools import policy_requests as build
from tools.policy_matrix import SIGNABLE, Case, matrix

# The verification per-user policy's one registered withdrawal address.
REGISTERED = "0x2222222222222222222222222222222222222222"
# The order of P-256's group: a derived private key is a scalar in [1, order - 1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class Outcome:
    case: Case
    privy_allowed: bool | None  # None: Privy failed for another reason
    predicted_allowed: bool
    detail: str

    @property
    def passed(self) -> bool:
        return self.privy_allowed is self.case.allowed and self.predicted_allowed is self.case.allowed


def owner_key(authorization_key: str) -> tuple[str, str]:
    """(public, private) base64 DER: the verification wallets' owner, derived from the platform's
    key so that it is the same every run (the wallets' idempotency keys keep matching)."""
    seed = hashlib.sha256(b"basis-verify-owner:" + base64.b64decode(authorization_key)).digest()
    key = ec.derive_private_key(int.from_bytes(seed, "big") % (P256_ORDER - 1) + 1, ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(public).decode(), base64.b64encode(private).decode()


def _signer(quorum_id: str, policy_id: str) -> list[dict[str, Any]]:
    return [{"signer_id": quorum_id, "override_policy_ids": [policy_id]}]


def _wallet(client: Any, chain: str, quorum_id: str, policy_id: str, owner: str, stage: str) -> Any:
    return client.wallets.create(
        chain_type=chain,
        owner={"public_key": owner},
        additional_signers=_signer(quorum_id, policy_id),
        privy_idempotency_key=f"basis-{stage}-verify-{chain}-{policy_id}-v2",
    )


def _user_wallet(
    client: Any, quorum_id: str, owner: tuple[str, str], stage: str, settings: PolicySettings
) -> tuple[Any, dict[str, Any]]:
    """An EVM wallet whose platform signer is bound by a per-user policy for its own address (with
    ``REGISTERED`` as its one withdrawal address), owned by the wallet's owner: made as
    provisioning makes it, the address first, then the policy, then the owner adds the signer."""
    from privy.lib.authorization import AuthorizationContext
    from privy.lib.request_options import PrivyRequestOptions
    from privy.lib.wallets import PrivyWalletsService

    wallet = client.wallets.create(
        chain_type="ethereum",
        owner={"public_key": owner[0]},
        privy_idempotency_key=f"basis-{stage}-verify-user-wallet-v1",
    )
    policy = client.policies.create(
        **build_user_evm_policy(settings, wallet.address, [REGISTERED]),
        owner={"public_key": owner[0]},
        privy_idempotency_key=f"basis-{stage}-verify-user-policy-{wallet.id}-v2",
    )
    change: Any = {"additional_signers": _signer(quorum_id, policy.id)}
    by_owner = PrivyRequestOptions(
        authorization_context=AuthorizationContext(authorization_private_keys=[owner[1]])
    )
    PrivyWalletsService(client).update(wallet.id, wallet_update_params=change, request_options=by_owner)
    return wallet, policy.model_dump()


def user_cases(address: str) -> list[Case]:
    def withdraw(name: str, destination: str, allowed: bool) -> Case:
        params = build.hl_user_action_typed_data("withdraw3", destination=destination)
        return Case(name, "ethereum", "eth_signTypedData_v4", params, allowed)

    def usdc(name: str, recipient: str, allowed: bool) -> Case:
        params = {"transaction": {**build.deposit(10**6, recipient=recipient)["transaction"], **SIGNABLE}}
        return Case(name, "ethereum", "eth_signTransaction", params, allowed)

    return [
        withdraw("per-user: withdraw3 to the user's own address", address, True),
        withdraw("per-user: withdraw3 elsewhere denied", build.RANDOM_ADDRESS, False),
        usdc("per-user: USDC to a withdrawal address", REGISTERED, True),
        usdc("per-user: USDC elsewhere denied", build.RANDOM_ADDRESS, False),
    ]


def verify(
    client: Any, ids: PrivyIds, authorization_key: str, stage: str, settings: PolicySettings | None = None
) -> list[Outcome]:
    import privy
    from privy.lib.wallets import PrivyWalletsService
    from solders.pubkey import Pubkey

    from basis.signing.classify import is_policy_denial

    settings = settings or PolicySettings()
    quorum, solana_policy = ids.key_quorum_id, ids.solana_policy_id
    if not quorum or not solana_policy:
        raise ConfigurationError("verify needs the key quorum and both policies: run `privy_setup create`")
    owner = owner_key(authorization_key)
    shared = {"ethereum": ids.evm_policy_id, "solana": solana_policy}
    wallets = {chain: _wallet(client, chain, quorum, pid, owner[0], stage) for chain, pid in shared.items()}
    policies = {chain: client.policies.get(pid).model_dump() for chain, pid in shared.items()}
    solana_address = Pubkey.from_string(wallets["solana"].address)
    runs = [(case, wallets[case.chain], policies[case.chain]) for case in matrix(settings, solana_address)]
    user_wallet, user_policy = _user_wallet(client, quorum, owner, stage, settings)
    runs += [(case, user_wallet, user_policy) for case in user_cases(user_wallet.address)]
    service = PrivyWalletsService(client)
    options = as_platform(authorization_key)
    outcomes = []
    for case, wallet, policy in runs:
        predicted = evaluate(policy, case.method, case.params, wallet=wallet.address)
        body = {"method": case.method, "params": case.params, "chain_type": case.chain}
        try:
            service.rpc(wallet.id, wallet_rpc_request_body=body, request_options=options)  # type: ignore[arg-type]
            allowed: bool | None = True
            detail = "signed"
        except privy.APIStatusError as exc:
            allowed = False if is_policy_denial(exc.status_code, exc.body) else None
            detail = f"{exc.status_code}: {exc.body}"[:160]
        outcomes.append(Outcome(case, allowed, predicted.allowed, detail))
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    def word(allowed: bool | None) -> str:
        return {True: "allow", False: "deny", None: "ERROR"}[allowed]

    lines = [f"{'case':<46} {'expected':<8} {'privy':<6} {'local':<6} result"]
    for o in outcomes:
        lines.append(
            f"{o.case.name:<46} {word(o.case.allowed):<8} {word(o.privy_allowed):<6} "
            f"{word(o.predicted_allowed):<6} {'PASS' if o.passed else 'FAIL: ' + o.detail}"
        )
    passed = sum(o.passed for o in outcomes)
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines)
