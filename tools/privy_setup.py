"""Create the platform's Privy key quorum and shared policies, and store their ids (seed 1.2-1.5).

    python -m tools.privy_setup create [--force]   # against the configured Privy app
    python -m tools.privy_setup update             # rewrite the platform's policies in place
    python -m tools.privy_setup verify             # the 1.6-1.8 matrix against Privy
    python -m tools.privy_setup show

Idempotent: when the SSM parameter already names policies that exist at Privy, nothing is created
unless ``--force``. The key quorum holds the public half of the platform's authorization key (the
``privy_authorization_key`` secret) and owns the policies, so only the platform can change them
(G21). It is the platform's SIGNER on every server wallet, each owned by its user (README,
"Custody"): the shared Solana policy and each user's own EVM policy (made at provisioning, owned by
the user) bind it.

Only the user can change their wallet's signers, so a wallet keeps the policy ids it was created
with: new policy rules reach existing wallets only by rewriting those policies IN PLACE (``update``:
the shared policies, and the per-user EVM policies the platform's quorum still owns, from the
current settings; a per-user policy owned by its user is rewritten from the current settings
whenever the user changes their withdrawal addresses, never by the platform alone). ``create
--force`` makes new policies that bind only wallets created afterwards.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from typing import Any

from cryptography.hazmat.primitives import serialization

from basis.platform.errors import ConfigurationError
from basis.policies.rules import build_evm_policy, build_solana_policy
from basis.policies.settings import PolicySettings
from basis.policies.user_policy import build_user_evm_policy
from basis.privy.authorization import as_platform
from basis.privy.ids import PrivyIds, load_privy_ids, store_privy_ids
from basis.wallets.creator import platform_policy_of
from basis.wallets.store import users_with_wallets


def authorization_public_key(private_key_b64: str) -> str:
    """Base64 DER SPKI public key of a base64 DER PKCS#8 P-256 private key (the SDK's format)."""
    key = serialization.load_der_private_key(base64.b64decode(private_key_b64), password=None)
    return base64.b64encode(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).decode()


def _existing(client: Any) -> PrivyIds | None:
    try:
        ids = load_privy_ids()
    except ConfigurationError:
        return None
    import privy

    try:
        client.policies.get(ids.evm_policy_id)
        if ids.solana_policy_id:
            client.policies.get(ids.solana_policy_id)
    except privy.NotFoundError:
        return None
    return ids


def create(
    client: Any,
    authorization_key: str,
    stage: str,
    *,
    force: bool = False,
    settings: PolicySettings | None = None,
) -> tuple[PrivyIds, bool]:
    """Returns (ids, created). ``client`` is a privy-client ``PrivyAPI``."""
    if not force and (ids := _existing(client)):
        return ids, False
    settings = settings or PolicySettings()
    quorum = client.key_quorums.create(
        public_keys=[authorization_public_key(authorization_key)],
        authorization_threshold=1,
        display_name=f"basis-{stage}-platform",
    )
    evm = client.policies.create(**build_evm_policy(settings), owner_id=quorum.id)
    solana = client.policies.create(**build_solana_policy(settings), owner_id=quorum.id)
    ids = PrivyIds(evm_policy_id=evm.id, solana_policy_id=solana.id, key_quorum_id=quorum.id)
    store_privy_ids(ids)
    return ids, True


def update(
    client: Any, authorization_key: str, ids: PrivyIds, *, settings: PolicySettings | None = None
) -> dict[str, int]:
    """Rewrite the platform's policies in place from ``settings``: the shared EVM and Solana policies
    and every per-user EVM policy the platform's quorum still owns. A per-user policy its user owns
    is only the user's to change (``user_owned``): it follows the settings at the user's next
    change of their withdrawal addresses. Counts what was done."""
    import privy
    from privy.lib.policies import PrivyPoliciesService

    settings = settings or PolicySettings()
    policies, options = PrivyPoliciesService(client), as_platform(authorization_key)

    def rewrite(policy_id: str, body: dict[str, Any]) -> None:
        change: Any = {"name": body["name"], "rules": body["rules"]}
        policies.update(policy_id, policy_update_params=change, request_options=options)

    rewrite(ids.evm_policy_id, build_evm_policy(settings))
    counts = {"shared": 1, "per_user": 0, "user_owned": 0, "skipped_wallets": 0}
    if ids.solana_policy_id:
        rewrite(ids.solana_policy_id, build_solana_policy(settings))
        counts["shared"] += 1
    for holder in users_with_wallets():
        wallet_id = holder.wallets.evm_wallet_id
        if not wallet_id:
            continue
        try:
            wallet = client.wallets.get(wallet_id)
        except privy.NotFoundError:
            wallet = None
        policy_id = platform_policy_of(wallet, str(ids.key_quorum_id)) if wallet is not None else None
        if wallet is None or policy_id in (None, ids.evm_policy_id):  # unknown, or not per user
            counts["skipped_wallets"] += 1
            continue
        if client.policies.get(policy_id).owner_id != ids.key_quorum_id:
            counts["user_owned"] += 1
            continue
        rewrite(str(policy_id), build_user_evm_policy(settings, wallet.address))
        counts["per_user"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.privy_setup", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create", help="create the key quorum and both policies; store their ids")
    make.add_argument("--force", action="store_true", help="create new ones even if the stored ids exist")
    sub.add_parser("update", help="rewrite the shared and every user's policy in place from the settings")
    sub.add_parser("verify", help="run the policy verification matrix against Privy")
    sub.add_parser("show", help="print the stored ids")
    args = parser.parse_args(argv)

    from basis.platform.config import get_settings
    from basis.platform.runtime import bootstrap
    from basis.platform.secrets import get_secrets
    from basis.privy.client import privy_client

    bootstrap()
    if args.command == "show":
        print(load_privy_ids().model_dump_json(indent=2))
        return 0
    key = get_secrets().privy_authorization_key
    if not key:
        print(
            "the secret has no privy_authorization_key: generate a P-256 key and store it first",
            file=sys.stderr,
        )
        return 2
    if args.command == "verify":
        from tools.privy_verify import report, verify

        outcomes = verify(privy_client(), load_privy_ids(), key, get_settings().stage)
        print(report(outcomes))
        return 0 if all(o.passed for o in outcomes) else 1
    if args.command == "update":
        print(json.dumps(update(privy_client(), key, load_privy_ids()), indent=2))
        return 0
    ids, created = create(privy_client(), key, get_settings().stage, force=args.force)
    print(json.dumps({"created": created, **ids.model_dump()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
