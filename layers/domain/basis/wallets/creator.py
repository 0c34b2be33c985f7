"""Creates a user's server wallets at Privy in the custody model (README, "Custody"): OWNED by the
user, the platform's key quorum an ADDITIONAL SIGNER whose override policy alone binds it.

* Solana, one request: ``owner {"user_id"}``, ``additional_signers [{quorum, [solana policy]}]``,
  no wallet policy (the owner is not restricted).
* EVM, the platform's policy is per user (``basis.policies.user_policy``: withdraw3 only to the
  wallet's own address, USDC only to the user's registered withdrawal addresses), and the address
  is only known once the wallet exists. A user-owned wallet can only be changed with the user's
  key, which provisioning (in the background, from a queue) does not have. So the wallet is
  created OWNED BY THE PLATFORM's quorum, under the shared EVM policy; the per-user policy is
  created OWNED BY THE USER (only the user's key changes it: the platform cannot widen what it may
  sign); then the platform's one PATCH hands the wallet over: owner = the user, no wallet policy,
  the quorum as signer under the per-user policy. From then on the platform cannot change either.
  A retry (same idempotency keys) finds the wallet, and hands it over unless Privy already shows
  another owner.
Failures become ``ProvisioningError`` (retriable for 5xx, 408, 409, 429 and connection errors).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from basis.platform.errors import ConfigurationError
from basis.policies.settings import PolicySettings
from basis.policies.user_policy import build_user_evm_policy
from basis.privy.authorization import as_platform, policy_service, wallet_service
from basis.privy.client import privy_client
from basis.wallets.provisioning import CreatedWallet, ProvisioningError

if TYPE_CHECKING:
    from privy import PrivyAPI

T = TypeVar("T")


def _privy_call(chain: str, what: str, call: Callable[[], T]) -> T:
    import privy

    try:
        return call()
    except privy.APIStatusError as exc:
        retriable = exc.status_code >= 500 or exc.status_code in (408, 409, 429)
        raise ProvisioningError(
            f"Privy answered {exc.status_code} {what}", chain=chain, retriable=retriable
        ) from exc
    except privy.APIConnectionError as exc:  # includes timeouts
        raise ProvisioningError(f"Privy unreachable {what}: {exc}", chain=chain, retriable=True) from exc


def _signer(signer_id: str, policy_id: str) -> list[dict[str, Any]]:
    return [{"signer_id": signer_id, "override_policy_ids": [policy_id]}]


def hand_over(
    wallet_id: str,
    address: str,
    *,
    user_id: str,
    quorum_id: str,
    settings: PolicySettings | None = None,
    client: PrivyAPI | None = None,
) -> str:
    """Hand an EVM wallet the platform's quorum owns over to ``user_id``, keeping the quorum as
    signer under a new policy the user owns (withdraw3 only to ``address``); the policy id.
    Retry-safe: the policy's idempotency key is derived from the wallet id."""
    client = client or privy_client()
    chain = "ethereum"
    body = build_user_evm_policy(settings or PolicySettings(), address)
    key = hashlib.sha256(f"basis:user-policy:{wallet_id}:v2".encode()).hexdigest()[:48]
    owner: Any = {"user_id": user_id}
    policy = _privy_call(
        chain,
        f"creating the platform's policy for wallet {wallet_id}",
        lambda: client.policies.create(**body, owner=owner, privy_idempotency_key=key),
    )
    handover: Any = {
        "owner": {"user_id": user_id},
        "policy_ids": [],
        "additional_signers": _signer(quorum_id, policy.id),
    }
    _privy_call(
        chain,
        f"handing wallet {wallet_id} over to its user",
        lambda: wallet_service(client).update(
            wallet_id, wallet_update_params=handover, request_options=as_platform()
        ),
    )
    return str(policy.id)


def platform_policy_of(wallet: Any, quorum_id: str) -> str | None:
    """The override policy binding the platform's signer (``quorum_id``) on ``wallet``, if any."""
    for signer in wallet.additional_signers or []:
        if signer.signer_id == quorum_id and signer.override_policy_ids:
            return str(signer.override_policy_ids[0])
    return None


def hand_policy_over(
    policy_id: str, user_id: str, *, client: PrivyAPI | None = None, authorization_key: str | None = None
) -> Any:
    """Give a per-user policy the platform's quorum still owns (made before policies were the
    user's) to ``user_id``: one PATCH of its owner, signed by the platform (its last act on it). It
    only ever narrows what the platform can do. The policy as Privy answers it."""
    change: Any = {"owner": {"user_id": user_id}}
    return policy_service(client).update(
        policy_id, policy_update_params=change, request_options=as_platform(authorization_key)
    )


class PrivyWalletCreator:
    def __init__(self, settings: PolicySettings | None = None) -> None:
        self._settings = settings

    def create_wallet(
        self, chain: str, *, user_id: str, signer_id: str | None, policy_id: str | None, idempotency_key: str
    ) -> CreatedWallet:
        if not signer_id or not policy_id:  # a signer without an override policy would be unbound
            missing = [name for name, v in (("key_quorum_id", signer_id), ("policy_id", policy_id)) if not v]
            raise ConfigurationError(
                "a server wallet needs the platform's key quorum and its policy", missing=missing
            )
        if chain == "ethereum":
            return self._evm_wallet(user_id, signer_id, policy_id, idempotency_key)
        wallet = _privy_call(
            chain,
            f"creating a {chain} wallet",
            lambda: privy_client().wallets.create(
                chain_type=chain,  # type: ignore[arg-type]
                owner={"user_id": user_id},
                additional_signers=_signer(signer_id, policy_id),  # type: ignore[arg-type]
                privy_idempotency_key=idempotency_key,
            ),
        )
        return CreatedWallet(id=wallet.id, address=wallet.address, chain_type=chain)

    def _evm_wallet(self, user_id: str, quorum_id: str, shared_policy_id: str, key: str) -> CreatedWallet:
        client = privy_client()
        wallet = _privy_call(
            "ethereum",
            "creating an ethereum wallet",
            lambda: client.wallets.create(
                chain_type="ethereum",
                owner_id=quorum_id,
                policy_ids=[shared_policy_id],
                privy_idempotency_key=key,
            ),
        )
        # The idempotent create answers as it first did: whether a retry still has to hand the
        # wallet over, only the wallet as it is now tells.
        current = _privy_call(
            "ethereum", f"reading wallet {wallet.id}", lambda: client.wallets.get(wallet.id)
        )
        if current.owner_id == quorum_id:
            hand_over(
                wallet.id,
                wallet.address,
                user_id=user_id,
                quorum_id=quorum_id,
                settings=self._settings,
                client=client,
            )
        return CreatedWallet(id=wallet.id, address=wallet.address, chain_type="ethereum")
