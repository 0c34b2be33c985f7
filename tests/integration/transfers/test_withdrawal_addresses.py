"""Registered withdrawal addresses through the API on the local stack: the user's own key adds an
address to the platform signer's per-user policy at the Privy emulator, which then (and only then)
lets the platform sign a USDC transfer there; removing it takes that away again. Refusals store
nothing; a change that died halfway is repaired by making it again, and the store never calls an
address active that the policy at Privy lacks."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from eth_account import Account

from basis.platform.errors import TransientError
from basis.privy.client import privy_client
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import PolicyDeniedError
from basis.signing.signer import PrivyWalletSigner
from basis.venues.context import UserTradingContext
from basis.wallets import withdrawal_address_store
from basis.wallets.withdrawal_addresses import MAX_ADDRESSES
from local.runtime.controls import Fault
from tests.api_client import ApiClient
from tests.helpers import sign_in
from tools import policy_requests as build
from tools.policy_matrix import SIGNABLE

ADDRESSES = "/funding/withdrawal-addresses"


def new_address() -> str:
    return str(Account.create().address)


def register(api_client: ApiClient, user_id: str, address: str, **extra: Any) -> Any:
    return api_client.post(ADDRESSES, user=user_id, json={"address": address, **extra})


def registered(api_client: ApiClient, user_id: str) -> dict[str, str]:
    """The caller's addresses as the API lists them: address -> state."""
    answer = api_client.get(ADDRESSES, user=user_id)
    assert answer.status_code == 200, answer.text
    return {a["address"]: a["state"] for a in answer.json()["addresses"]}


def in_privy_policy(wallets: dict[str, Any]) -> list[str]:
    """The addresses the platform signer's per-user policy at Privy lets it send USDC to."""
    wallet = privy_client().wallets.get(wallets["evm_wallet_id"])
    [policy_id] = wallet.additional_signers[0].override_policy_ids or []
    rules = privy_client().policies.get(policy_id).model_dump()["rules"]
    return sorted(
        {
            value
            for rule in rules
            for condition in rule["conditions"]
            if condition.get("field") == "transfer.to" and isinstance(condition["value"], list)
            for value in condition["value"]
        }
    )


def platform_signer(wallets: dict[str, Any], user_id: str) -> PrivyWalletSigner:
    """The platform's signer of the user's EVM wallet without a local copy: Privy alone decides."""
    breaker = SharedCircuitBreaker(f"addresses-{uuid.uuid4().hex[:8]}")
    return PrivyWalletSigner(
        user_id, wallets["evm_wallet_id"], wallets["evm_address"], "ethereum", breaker=breaker
    )


def usdc_to(recipient: str) -> dict[str, Any]:
    return {**build.deposit(49 * 10**6, recipient=recipient)["transaction"], **SIGNABLE}


def privy_refuses(signer: PrivyWalletSigner, recipient: str) -> PolicyDeniedError:
    with pytest.raises(PolicyDeniedError) as denied:
        signer.sign_eth_transaction(usdc_to(recipient))
    return denied.value


def test_an_address_is_registered_by_the_users_key_and_privy_then_lets_the_platform_pay_it(
    api_client: ApiClient, signed_in_user: str, privy_wallets: dict[str, Any]
) -> None:
    user_id, address, other = signed_in_user, new_address(), new_address()
    bare = platform_signer(privy_wallets, user_id)
    assert not privy_refuses(bare, address).preflight  # Privy's own refusal: nothing registered yet

    answer = register(api_client, user_id, address.lower(), label="cold wallet")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["address"], body["label"], body["state"]) == (address, "cold wallet", "active")
    assert registered(api_client, user_id) == {address: "active"}
    assert in_privy_policy(privy_wallets) == [address]
    assert bare.sign_eth_transaction(usdc_to(address)).startswith("0x02")  # Privy allows it now
    assert not privy_refuses(bare, other).preflight  # and nowhere else
    breaker = SharedCircuitBreaker(f"addresses-{uuid.uuid4().hex[:8]}")
    checked = UserTradingContext.from_user_id(user_id, breaker=breaker).evm_signer()
    assert checked.sign_eth_transaction(usdc_to(address)).startswith("0x02")  # the local copy agrees
    assert privy_refuses(checked, other).preflight

    again = register(api_client, user_id, address)
    assert again.status_code == 200 and again.json() == body  # the same address: answered as it is
    listing = api_client.get(ADDRESSES, user=user_id).json()
    assert listing["limit"] == MAX_ADDRESSES and len(listing["addresses"]) == 1


def test_a_removed_address_is_refused_by_privy_and_only_its_owner_removes_it(
    api_client: ApiClient, signed_in_user: str, privy_wallets: dict[str, Any]
) -> None:
    user_id, address, kept = signed_in_user, new_address(), new_address()
    for each in (address, kept):
        assert register(api_client, user_id, each).status_code == 200
    bare = platform_signer(privy_wallets, user_id)
    assert bare.sign_eth_transaction(usdc_to(address))

    stranger = api_client.delete(f"{ADDRESSES}/{address}", user=sign_in(api_client.stack, "other"))
    assert stranger.status_code == 404, stranger.text  # another user has no such address
    service = api_client.delete(f"{ADDRESSES}/{address}", token=api_client.service_token(user_id))
    assert service.status_code == 403
    answer = api_client.delete(f"{ADDRESSES}/{address}", user=user_id)
    assert answer.status_code == 200, answer.text
    assert [a["address"] for a in answer.json()["addresses"]] == [kept]
    assert in_privy_policy(privy_wallets) == [kept]
    assert not privy_refuses(bare, address).preflight  # Privy itself refuses it now
    assert bare.sign_eth_transaction(usdc_to(kept))
    assert api_client.delete(f"{ADDRESSES}/{address}", user=user_id).status_code == 404


def bad_checksum(address: str) -> str:
    """``address`` with one letter's case flipped: mixed case failing its EIP-55 checksum."""
    i = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    return address[:i] + address[i].swapcase() + address[i + 1 :]


def test_what_cannot_be_registered_is_refused_and_nothing_is_stored(
    api_client: ApiClient, signed_in_user: str, privy_wallets: dict[str, Any]
) -> None:
    user_id, address = signed_in_user, new_address()
    service = api_client.post(ADDRESSES, token=api_client.service_token(user_id), json={"address": address})
    assert service.status_code == 403  # only the user's own token, whatever the role
    for bad, why in (
        ("0x1234", "not an EVM address"),
        (bad_checksum(address), "EIP-55"),
        ("0x" + "0" * 40, "zero address"),
        (privy_wallets["evm_address"], "your own server wallet"),
    ):
        answer = register(api_client, user_id, bad)
        assert answer.status_code == 400, (bad, answer.text)
        assert why in answer.json()["error"]["message"]
    assert register(api_client, user_id, address, label="\n").status_code == 422  # not printable
    assert registered(api_client, user_id) == {}
    assert in_privy_policy(privy_wallets) == []


def test_at_most_the_limit_is_registered(api_client: ApiClient, signed_in_user: str) -> None:
    user_id = signed_in_user
    for _ in range(MAX_ADDRESSES):
        assert register(api_client, user_id, new_address()).status_code == 200
    over = register(api_client, user_id, new_address())
    assert over.status_code == 400 and f"at most {MAX_ADDRESSES}" in over.json()["error"]["message"]
    assert len(registered(api_client, user_id)) == MAX_ADDRESSES


def test_a_change_privy_never_applied_leaves_the_address_pending_until_registered_again(
    api_client: ApiClient, signed_in_user: str, privy_wallets: dict[str, Any]
) -> None:
    user_id, address = signed_in_user, new_address()
    api_client.stack.privy.add_fault(Fault(path="/v1/policies", method="PATCH", status=503))
    failed = register(api_client, user_id, address)
    assert failed.status_code == 503, failed.text
    assert registered(api_client, user_id) == {address: "pending"}  # never active without the policy
    assert in_privy_policy(privy_wallets) == []
    refused = api_client.post(
        "/funding/withdrawals", user=user_id, json={"amount_usdc": "10", "destination": address}
    )
    assert refused.status_code == 400 and "not a registered withdrawal address" in refused.text
    assert register(api_client, user_id, address).json()["state"] == "active"  # the repair
    assert in_privy_policy(privy_wallets) == [address]


def test_a_change_that_died_after_privy_applied_it_is_finished_by_making_it_again(
    api_client: ApiClient,
    signed_in_user: str,
    privy_wallets: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The policy changed at Privy, the store's last write did not: the address stays pending (the
    store claims less than the policy has, never more), and the same request finishes it; the same
    for a removal (``removing``: no longer usable)."""
    user_id, address = signed_in_user, new_address()
    write, writes = withdrawal_address_store.write, []

    def dies_after_privy(*args: Any, **kwargs: Any) -> Any:
        writes.append(True)
        if len(writes) == 2:  # the first write is before Privy, the second after
            raise TransientError("the function died after Privy applied the change")
        return write(*args, **kwargs)

    monkeypatch.setattr(withdrawal_address_store, "write", dies_after_privy)
    assert register(api_client, user_id, address).status_code == 503
    assert registered(api_client, user_id) == {address: "pending"}
    assert in_privy_policy(privy_wallets) == [address]
    assert register(api_client, user_id, address).json()["state"] == "active"

    writes.clear()
    assert api_client.delete(f"{ADDRESSES}/{address}", user=user_id).status_code == 503
    assert registered(api_client, user_id) == {address: "removing"}
    assert in_privy_policy(privy_wallets) == []
    assert api_client.delete(f"{ADDRESSES}/{address}", user=user_id).status_code == 200
    assert registered(api_client, user_id) == {}
