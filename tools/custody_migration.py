"""Hand every quorum-owned server wallet over to its user (self-custody, tracker issue 10 item 2).

    python -m tools.custody_migration [--dry-run] [--stage STAGE] [--user DID ...]

Before self-custody, provisioning created each wallet owned by the platform's key quorum, with the
chain's platform policy as the wallet's policy. For every wallet recorded on a user's row
(``basis.wallets.store``; ``--user`` limits the run to those users) this sets, in one
``PATCH /v1/wallets/{id}`` authorized by the quorum (the owner until then) with the
``privy_authorization_key`` secret:

* ``owner = {"user_id": <the user's DID>}``;
* ``additional_signers = [{"signer_id": <the platform quorum>, "override_policy_ids":
  [<the chain's platform policy>]}]``: the platform keeps signing, only what that policy allows;
* ``policy_ids = []``: the user's own requests are not bound by the platform's policy.

An EVM wallet's platform policy is per user (``basis.wallets.creator.hand_over``) and, like a new
wallet's, OWNED BY THE USER: only the user's key can widen what the platform may sign (their
withdrawal addresses). A wallet the user already owns whose per-user policy (named ``user
<address>``) the quorum still owns gets that policy handed over instead: one ``PATCH
/v1/policies/{id}`` of its owner, authorized by the quorum (outcome reason ``policy``; a wallet
handover's is ``wallet``).

A wallet the user already owns with the platform's quorum as its one signer under a policy of that
chain (the shared one, the user's own per-user policy, or another the quorum owns that was not made
for this wallet alone) and no wallet policy counts as migrated.

Idempotent: a wallet already migrated is ``unchanged``. Resumable: every wallet is read before
it is changed and is changed by one request, so a re-run after a crash carries on where it stopped.
``--dry-run`` only reads and reports ``would migrate``. A wallet is ``failed`` (with the reason, the
run goes on) when Privy holds it under another chain or address than the user's row, when anyone
but the platform's quorum (or nobody) owns it, or when the chain has no platform policy (the
platform signer would be unrestricted). The run ends with one line per wallet and the counts by
outcome; the exit status is 1 when any wallet failed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from basis.platform.errors import ConfigurationError
from basis.policies.user_policy import user_policy_name
from basis.privy.ids import PrivyIds
from basis.wallets.store import ServerWallets, WalletHolder
from tools.deployment import WrongStageError, add_stage_argument, bootstrap_for

MIGRATED, WOULD_MIGRATE, UNCHANGED, FAILED = "migrated", "would migrate", "unchanged", "failed"
WALLET, POLICY = "wallet", "policy"  # what a migration hands to the user


@dataclass(frozen=True)
class Platform:
    """The platform's signer: its key quorum, each chain's platform policy and its private key."""

    quorum_id: str
    policy_ids: dict[str, str | None]
    authorization_key: str

    @classmethod
    def of(cls, ids: PrivyIds, authorization_key: str) -> Platform:
        if not ids.key_quorum_id:
            raise ConfigurationError(
                "the Privy ids name no key quorum (it owns the wallets to migrate): nothing done"
            )
        policies = {"ethereum": ids.evm_policy_id, "solana": ids.solana_policy_id}
        return cls(ids.key_quorum_id, policies, authorization_key)

    def signers(self, chain: str) -> list[dict[str, Any]]:
        return [{"signer_id": self.quorum_id, "override_policy_ids": [self.policy_ids[chain]]}]


@dataclass(frozen=True)
class Outcome:
    user_id: str
    chain: str
    wallet_id: str
    outcome: str
    reason: str = ""

    def line(self) -> str:
        return _row(self.user_id, self.chain, self.wallet_id, self.outcome, self.reason)


def _row(user: str, chain: str, wallet: str, outcome: str, reason: str) -> str:
    return f"{user:<40} {chain:<9} {wallet:<26} {outcome:<13} {reason}".rstrip()


class NotMigratableError(Exception):
    """This wallet cannot be migrated; the message says why."""


def _signers(wallet: Any) -> list[dict[str, Any]]:
    return [
        {"signer_id": s.signer_id, "override_policy_ids": list(s.override_policy_ids or [])}
        for s in wallet.additional_signers or []
    ]


def _owned_by_user(client: Any, owner_id: str | None, user_id: str) -> bool:
    """Whether the key quorum ``owner_id`` is the user alone (what ``owner: {"user_id"}`` makes)."""
    if not owner_id:
        return False
    quorum = client.key_quorums.get(owner_id)
    return (
        (quorum.user_ids or []) == [user_id] and not quorum.authorization_keys and not quorum.key_quorum_ids
    )


def _platform_policy(client: Any, platform: Platform, chain: str, wallet: Any) -> Any | None:
    """The policy binding the platform on a user-owned ``wallet`` as Privy answers it, None for the
    chain's shared one; ``NotMigratableError`` unless the platform's quorum is the wallet's one signer
    under one policy of that chain and the wallet has no policy of its own."""
    refused = NotMigratableError(
        f"owned by the user but signers {_signers(wallet)} / wallet policies {list(wallet.policy_ids)} "
        "are not the platform's alone under its policy: only the user can change them now"
    )
    match _signers(wallet):
        case [{"signer_id": platform.quorum_id, "override_policy_ids": [policy_id]}]:
            pass
        case _:
            raise refused
    if list(wallet.policy_ids):
        raise refused
    if policy_id == platform.policy_ids[chain]:
        return None
    policy = client.policies.get(policy_id)
    if policy.chain_type != chain:
        raise refused
    return policy


def _check(
    client: Any, platform: Platform, user_id: str, chain: str, address: str, wallet: Any
) -> str | None:
    """What ``wallet`` still needs: ``WALLET`` (hand it over), ``POLICY`` (hand its per-user policy
    over), None (migrated already); ``NotMigratableError`` when it cannot be migrated."""
    if wallet.chain_type != chain or wallet.address.lower() != address.lower():
        raise NotMigratableError(
            f"Privy holds a {wallet.chain_type} wallet at {wallet.address}, not the user's {address}"
        )
    if not platform.policy_ids[chain]:
        raise NotMigratableError(
            f"no platform {chain} policy: create it first (python -m tools.privy_setup create)"
        )
    if wallet.owner_id in (None, platform.quorum_id):
        return WALLET
    if not _owned_by_user(client, wallet.owner_id, user_id):
        raise NotMigratableError(
            f"owned by key quorum {wallet.owner_id}, neither the platform's nor the user's"
        )
    policy = _platform_policy(client, platform, chain, wallet)
    if policy is None or _owned_by_user(client, policy.owner_id, user_id):
        return None
    if policy.owner_id != platform.quorum_id:
        raise NotMigratableError(
            f"the platform's policy {policy.id} is owned by key quorum {policy.owner_id}"
        )
    if chain == "ethereum" and policy.name == user_policy_name(wallet.address):
        return POLICY  # this wallet's own: the user's to own, as for a new wallet
    return None  # a policy of the platform's not made for this user alone: it stays the platform's


def hand_over(client: Any, platform: Platform, user_id: str, chain: str, wallet: Any, what: str) -> Any:
    """The one change ``what`` calls for, authorized by the platform's quorum (the owner until
    then): the wallet as Privy answers it afterwards. EVM wallets get what new ones get
    (``basis.wallets.creator.hand_over``): the platform signs under a policy the user owns that
    pays Hyperliquid withdrawals only to them; a per-user policy the quorum still owns is given to
    the user (``basis.wallets.creator.hand_policy_over``)."""
    from basis.wallets import creator

    if what == POLICY:
        policy_id = creator.platform_policy_of(wallet, platform.quorum_id)
        assert policy_id is not None  # _check found it
        creator.hand_policy_over(
            policy_id, user_id, client=client, authorization_key=platform.authorization_key
        )
        return client.wallets.get(wallet.id)
    if chain == "ethereum":
        creator.hand_over(
            wallet.id, wallet.address, user_id=user_id, quorum_id=platform.quorum_id, client=client
        )
        return client.wallets.get(wallet.id)
    from privy.lib.authorization import AuthorizationContext
    from privy.lib.request_options import PrivyRequestOptions
    from privy.lib.wallets import PrivyWalletsService

    change: Any = {
        "owner": {"user_id": user_id},
        "additional_signers": platform.signers(chain),
        "policy_ids": [],
    }
    context = AuthorizationContext(authorization_private_keys=[platform.authorization_key])
    return PrivyWalletsService(client).update(
        wallet.id,
        wallet_update_params=change,
        request_options=PrivyRequestOptions(authorization_context=context),
    )


def migrate_wallet(
    client: Any, platform: Platform, user_id: str, chain: str, wallet_id: str, address: str, *, dry_run: bool
) -> Outcome:
    import privy

    def outcome(name: str, reason: str = "") -> Outcome:
        return Outcome(user_id, chain, wallet_id, name, reason)

    try:
        wallet = client.wallets.get(wallet_id)
        what = _check(client, platform, user_id, chain, address, wallet)
        if what is None:
            return outcome(UNCHANGED)
        if dry_run:
            return outcome(WOULD_MIGRATE, what)
        handed = hand_over(client, platform, user_id, chain, wallet, what)
        if _check(client, platform, user_id, chain, address, handed):
            return outcome(FAILED, "Privy accepted the change but answered the wallet unchanged")
    except NotMigratableError as exc:
        return outcome(FAILED, str(exc))
    except privy.APIStatusError as exc:
        return outcome(FAILED, f"Privy answered {exc.status_code}: {exc.body}"[:200])
    except privy.APIConnectionError as exc:
        return outcome(FAILED, f"Privy unreachable: {exc}")
    return outcome(MIGRATED, what)


def _wallets(wallets: ServerWallets) -> Iterator[tuple[str, str, str]]:
    if wallets.evm_wallet_id and wallets.evm_address:
        yield "ethereum", wallets.evm_wallet_id, wallets.evm_address
    if wallets.solana_wallet_id and wallets.solana_address:
        yield "solana", wallets.solana_wallet_id, wallets.solana_address


def migrate(
    client: Any, platform: Platform, holders: Iterable[WalletHolder], *, dry_run: bool = False
) -> Iterator[Outcome]:
    """One outcome per wallet, as each is done (``client`` is a privy-client ``PrivyAPI``)."""
    for holder in holders:
        for chain, wallet_id, address in _wallets(holder.wallets):
            yield migrate_wallet(client, platform, holder.user_id, chain, wallet_id, address, dry_run=dry_run)


def summary(outcomes: list[Outcome]) -> str:
    counts = Counter(o.outcome for o in outcomes)
    lines = [", ".join(f"{name} {counts[name]}" for name in (MIGRATED, WOULD_MIGRATE, UNCHANGED, FAILED))]
    reasons = Counter(o.reason for o in outcomes if o.outcome == FAILED)
    lines += [f"  failed {count}: {reason}" for reason, count in reasons.most_common()]
    return "\n".join(lines)


HEADER = _row("user", "chain", "wallet", "outcome", "reason")


def report(outcomes: list[Outcome]) -> str:
    return "\n".join([HEADER, *(o.line() for o in outcomes), summary(outcomes)])


def _holders(users: list[str] | None) -> Iterator[WalletHolder]:
    from basis.wallets.store import get_user_wallets, users_with_wallets

    if not users:
        yield from users_with_wallets()
        return
    for user_id in users:
        wallets = get_user_wallets(user_id)
        if wallets is None:
            print(f"{user_id}: no such user", file=sys.stderr)
        else:
            yield WalletHolder(user_id, wallets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.custody_migration",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dry-run", action="store_true", help="change nothing; report what would be done")
    add_stage_argument(parser)
    parser.add_argument("--user", action="append", help="migrate only this user's wallets (repeatable)")
    args = parser.parse_args(argv)

    from basis.platform.secrets import get_secrets
    from basis.privy.client import privy_client
    from basis.privy.ids import load_privy_ids

    try:
        bootstrap_for(args.stage)
        platform = Platform.of(load_privy_ids(), get_secrets().privy_authorization_key or "")
    except (WrongStageError, ConfigurationError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if not platform.authorization_key:
        print("the secret has no privy_authorization_key: nothing done", file=sys.stderr)
        return 2
    print(HEADER, flush=True)
    outcomes = []
    for outcome in migrate(privy_client(), platform, _holders(args.user), dry_run=args.dry_run):
        outcomes.append(outcome)
        print(outcome.line(), flush=True)
    print(summary(outcomes))
    return 1 if any(o.outcome == FAILED for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
