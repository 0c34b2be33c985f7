"""The platform key rotation against the local stack's Secrets Manager and the Privy emulator, on
a key quorum and secret of its own (the session's platform key stays as it is): the product's
signer signs a Bridge2 deposit at every step, with the old key until ``finish`` and with the new
one from ``begin`` on; after ``finish`` the emulator refuses the old key."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from privy.lib.authorization import generate_p256_key_pair

from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from basis.privy.client import privy_client
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import SigningError
from basis.signing.signer import PrivyWalletSigner
from local.runtime.stack import LocalStack
from tests.api_client import new_user_id
from tools import policy_requests as build
from tools.platform_secret import PlatformSecret
from tools.policy_matrix import SIGNABLE
from tools.privy_setup import authorization_public_key
from tools.rotate_platform_key import KEY, PREVIOUS, ROTATED_AT, WINDOW, RotationError, Rotator, main

DEPOSIT = {
    **build.deposit(100 * 10**6, recipient=PolicySettings().hyperliquid_bridge_address)["transaction"],
    **SIGNABLE,
}


@dataclass
class Platform:
    """A platform of its own: a key quorum whose key is in a secret, signer of a user's wallet."""

    rotator: Rotator
    secret: PlatformSecret
    clock: list[datetime]
    user: str
    wallet: Any

    def signs_with(self, private_key: str) -> bool:
        signer = PrivyWalletSigner(
            self.user,
            self.wallet.id,
            self.wallet.address,
            "ethereum",
            authorization_key=private_key,
            breaker=SharedCircuitBreaker(f"rotation-{uuid.uuid4().hex[:8]}"),
        )
        return signer.sign_eth_transaction(DEPOSIT).startswith("0x02")

    def quorum_keys(self) -> list[str]:
        quorum = privy_client().key_quorums.get(self.rotator.quorum_id)
        return [k.public_key for k in quorum.authorization_keys]

    def later(self, delta: timedelta) -> None:
        self.clock[0] += delta


@pytest.fixture
def platform(stack: LocalStack) -> Platform:
    key = generate_p256_key_pair()
    name = f"basis-local-rotation-{uuid.uuid4().hex[:8]}"
    values = {KEY: key.private_key, "privy_app_secret": "kept as it is"}
    stack.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(values))
    client = privy_client()
    quorum = client.key_quorums.create(public_keys=[key.public_key], authorization_threshold=1)
    policy = client.policies.create(**build_evm_policy(PolicySettings()), owner_id=quorum.id)
    user = new_user_id("rotation")
    wallet = client.wallets.create(
        chain_type="ethereum",
        owner={"user_id": user},
        additional_signers=[{"signer_id": quorum.id, "override_policy_ids": [policy.id]}],
    )
    clock = [datetime.now(UTC)]
    rotator = Rotator(client, quorum.id, PlatformSecret(name), now=lambda: clock[0])
    return Platform(rotator, PlatformSecret(name), clock, user, wallet)


def test_signing_never_stops_and_the_old_key_is_refused_once_finished(platform: Platform) -> None:
    old = platform.secret.read()[KEY]
    assert platform.signs_with(old)
    assert platform.rotator.state().phase(platform.clock[0]) == "idle"

    began = platform.rotator.begin()
    values = platform.secret.read()
    new = values[KEY]
    assert new != old and values[PREVIOUS] == old and values["privy_app_secret"] == "kept as it is"
    assert platform.quorum_keys() == [authorization_public_key(old), authorization_public_key(new)]
    assert began.phase(platform.clock[0]) == "window" and began.window_ends == platform.clock[0] + WINDOW
    assert platform.signs_with(old)  # a function whose cached secret still holds the old key
    assert platform.signs_with(new)  # one that read the secret anew
    with pytest.raises(RotationError, match="in progress"):
        platform.rotator.begin()

    platform.later(WINDOW - timedelta(seconds=1))
    with pytest.raises(RotationError, match="the window ends"):
        platform.rotator.finish()
    assert platform.signs_with(old) and len(platform.quorum_keys()) == 2

    platform.later(timedelta(seconds=1))
    finished = platform.rotator.finish()
    assert finished.phase(platform.clock[0]) == "idle"
    assert platform.secret.read() == {KEY: new, "privy_app_secret": "kept as it is"}
    assert platform.quorum_keys() == [authorization_public_key(new)]
    assert platform.signs_with(new)
    with pytest.raises(SigningError, match="401"):
        platform.signs_with(old)
    assert platform.rotator.finish() == finished  # nothing left to finish


def test_finish_before_the_window_only_with_force(platform: Platform) -> None:
    platform.rotator.begin()
    with pytest.raises(RotationError):
        platform.rotator.finish()
    platform.rotator.finish(force=True)
    assert PREVIOUS not in platform.secret.read() and ROTATED_AT not in platform.secret.read()
    assert platform.signs_with(platform.secret.read()[KEY])


class DiesWritingSecret(PlatformSecret):
    def write(self, values: dict[str, Any]) -> None:
        raise RuntimeError("the operator's laptop died")


def test_a_begin_that_died_leaves_the_secret_signing_and_the_next_rotation_cleans_up(
    platform: Platform,
) -> None:
    old = platform.secret.read()[KEY]
    dying = Rotator(
        platform.rotator.client, platform.rotator.quorum_id, DiesWritingSecret(platform.secret.name)
    )
    with pytest.raises(RuntimeError):
        dying.begin()
    assert len(platform.quorum_keys()) == 2 and platform.secret.read()[KEY] == old
    assert platform.signs_with(old)
    with pytest.raises(RotationError, match="keys the secret does not hold"):
        platform.rotator.finish()
    platform.rotator.begin()
    assert len(platform.quorum_keys()) == 3
    platform.rotator.finish(force=True)
    assert platform.quorum_keys() == [authorization_public_key(platform.secret.read()[KEY])]


def test_a_finish_that_died_after_the_quorum_changed_is_completed_by_running_it_again(
    platform: Platform,
) -> None:
    platform.rotator.begin()
    platform.later(WINDOW)
    dying = Rotator(
        platform.rotator.client,
        platform.rotator.quorum_id,
        DiesWritingSecret(platform.secret.name),
        now=platform.rotator.now,
    )
    with pytest.raises(RuntimeError):
        dying.finish()
    assert PREVIOUS in platform.secret.read() and len(platform.quorum_keys()) == 1
    assert platform.rotator.finish().previous is None
    assert PREVIOUS not in platform.secret.read()


def test_status_of_the_deployment(stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--stage", "local"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"key quorum {stack.privy_ids.key_quorum_id}, threshold 1\n")
    assert f"current ({KEY})" in out and out.rstrip().endswith("no rotation in progress")
    assert main(["begin", "--stage", "prod"]) == 2  # another deployment's environment: nothing done
