"""Key quorum updates at the Privy emulator through the real privy-client (``PATCH
/v1/key_quorums/{id}``): only enough of the quorum's current members may change it, member lists
are replaced, fields left out stay, Privy's limits hold; a key taken out no longer signs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import privy
import pytest
from privy import PrivyAPI
from privy.lib.authorization import AuthorizationContext, P256KeyPair, generate_p256_key_pair
from privy.lib.key_quorums import PrivyKeyQuorumsService
from privy.lib.request_options import PrivyRequestOptions
from privy.lib.wallets import PrivyWalletsService

from local.privy import PrivyEmulator
from local.runtime.httpservice import ServedApp

APP_ID = "key-quorum-test-app"


@pytest.fixture(scope="module")
def client() -> Iterator[PrivyAPI]:
    app = ServedApp(PrivyEmulator(APP_ID, "s3cret"), 0, "privy-key-quorum-test").start()
    try:
        yield PrivyAPI(app_id=APP_ID, app_secret="s3cret", base_url=app.url, max_retries=0, timeout=10)
    finally:
        app.stop()


def signed_by(*keys: P256KeyPair) -> PrivyRequestOptions:
    context = AuthorizationContext(authorization_private_keys=[k.private_key for k in keys])
    return PrivyRequestOptions(authorization_context=context)


def update(client: PrivyAPI, quorum_id: str, change: Any, *signers: P256KeyPair) -> Any:
    return PrivyKeyQuorumsService(client).update(
        quorum_id, key_quorum_update_params=change, request_options=signed_by(*signers) if signers else None
    )


def keys_of(client: PrivyAPI, quorum_id: str) -> list[str]:
    return [k.public_key for k in client.key_quorums.get(quorum_id).authorization_keys]


def code_of(error: privy.APIStatusError) -> str:
    return str(error.body["code"]) if isinstance(error.body, dict) else ""


def test_a_member_adds_a_key_then_the_new_key_removes_the_old_one(client: PrivyAPI) -> None:
    old, new = generate_p256_key_pair(), generate_p256_key_pair()
    quorum = client.key_quorums.create(public_keys=[old.public_key], authorization_threshold=1)
    wallet = client.wallets.create(chain_type="ethereum", owner_id=quorum.id)
    grown = update(client, quorum.id, {"public_keys": [old.public_key, new.public_key]}, old)
    assert [k.public_key for k in grown.authorization_keys] == [old.public_key, new.public_key]
    assert grown.authorization_threshold == 1
    for key in (old, new):  # either member signs for what the quorum owns
        assert sign(client, wallet.id, key).data
    update(client, quorum.id, {"public_keys": [new.public_key]}, new)
    assert keys_of(client, quorum.id) == [new.public_key]
    with pytest.raises(privy.AuthenticationError):
        sign(client, wallet.id, old)
    with pytest.raises(privy.AuthenticationError):  # nor may it change the quorum any more
        update(client, quorum.id, {"public_keys": [old.public_key]}, old)
    assert sign(client, wallet.id, new).data


def sign(client: PrivyAPI, wallet_id: str, key: P256KeyPair) -> Any:
    body: Any = {
        "method": "personal_sign",
        "chain_type": "ethereum",
        "params": {"message": "hi", "encoding": "utf-8"},
    }
    return PrivyWalletsService(client).rpc(
        wallet_id, wallet_rpc_request_body=body, request_options=signed_by(key)
    )


def test_only_enough_current_members_change_a_quorum(client: PrivyAPI) -> None:
    a, b, c = (generate_p256_key_pair() for _ in range(3))
    quorum = client.key_quorums.create(
        public_keys=[a.public_key, b.public_key, c.public_key], authorization_threshold=2
    )
    change = {"display_name": "changed"}
    refused = [
        ((), "missing_or_empty_authorization_header"),
        ((generate_p256_key_pair(),), "zero_correct_authorization_signatures"),
        ((a,), "insufficient_correct_authorization_signatures"),
        ((a, a), "insufficient_correct_authorization_signatures"),  # one member counts once
    ]
    for signers, code in refused:
        with pytest.raises(privy.AuthenticationError) as failed:
            update(client, quorum.id, change, *signers)
        assert code_of(failed.value) == code
    assert client.key_quorums.get(quorum.id).display_name is None
    changed = update(client, quorum.id, change, a, c)
    assert changed.display_name == "changed"
    assert [k.public_key for k in changed.authorization_keys] == [a.public_key, b.public_key, c.public_key]
    assert changed.authorization_threshold == 2  # fields left out stay


def test_quorum_changes_are_validated_as_at_privy(client: PrivyAPI) -> None:
    owner = generate_p256_key_pair()
    quorum = client.key_quorums.create(public_keys=[owner.public_key], authorization_threshold=1)
    nested = client.key_quorums.create(
        key_quorum_ids=[client.key_quorums.create(user_ids=["did:privy:x"]).id]
    )
    bad: list[Any] = [
        {},
        {"public_keys": []},  # no member left
        {"public_keys": ["not-a-key"]},
        {"authorization_threshold": 2},  # more than the members
        {"public_keys": [owner.public_key], "authorization_threshold": 0},
        {"display_name": "x" * 51},
        {"key_quorum_ids": ["no-such-quorum"]},
        {"key_quorum_ids": [nested.id]},  # two levels deep
        {"key_quorum_ids": [quorum.id]},  # itself
    ]
    for change in bad:
        with pytest.raises(privy.BadRequestError):
            update(client, quorum.id, change, owner)
    assert keys_of(client, quorum.id) == [owner.public_key]
    with pytest.raises(privy.NotFoundError):
        update(client, "no-such-quorum", {"display_name": "x"}, owner)
    users = update(client, quorum.id, {"user_ids": ["did:privy:y"], "authorization_threshold": 1}, owner)
    assert users.user_ids == ["did:privy:y"] and [k.public_key for k in users.authorization_keys] == [
        owner.public_key
    ]
