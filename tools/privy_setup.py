"""Create the platform's Privy key quorum and shared policies, and store their ids (seed 1.2-1.5).

    python -m tools.privy_setup create [--force]   # against the configured Privy app
    python -m tools.privy_setup verify             # the 1.6-1.8 matrix against Privy
    python -m tools.privy_setup show

Idempotent: when the SSM parameter already names policies that exist at Privy, nothing is created
unless ``--force``. The key quorum holds the public half of the platform's authorization key (the
``privy_authorization_key`` secret), and owns the policies and every server wallet, so only the
platform can sign for them or change the policies (G21).
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
from basis.privy.ids import PrivyIds, load_privy_ids, store_privy_ids


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.privy_setup", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create", help="create the key quorum and both policies; store their ids")
    make.add_argument("--force", action="store_true", help="create new ones even if the stored ids exist")
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
    ids, created = create(privy_client(), key, get_settings().stage, force=args.force)
    print(json.dumps({"created": created, **ids.model_dump()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
