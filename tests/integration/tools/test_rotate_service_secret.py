"""Rotating the service-token secret on the local stack (its Secrets Manager, the real authorizer
function behind the local gateway): during the window tokens signed with the old and the new secret
are both accepted and issuers still sign with the old one; once the window is over the old secret's
tokens are refused (401) and the new one's accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from basis.identity.service_secrets import PREVIOUS_ACCEPTED_FOR, service_secrets
from basis.identity.tokens import issue_service_token
from basis.platform import aws
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tools.platform_secret import PlatformSecret
from tools.rotate_service_secret import KEY, PREVIOUS, ROTATED_AT, RotationError, main, rotate

ADMIN_ROUTE = "/admin/kill-switch"


@pytest.fixture
def secret(stack: LocalStack) -> Iterator[PlatformSecret]:
    """The deployment's secret, restored after the test (the session's other tests sign with it)."""
    platform_secret = PlatformSecret()
    original = platform_secret.read()
    try:
        yield platform_secret
    finally:
        platform_secret.write(original)
        aws.secrets_provider().clear_cache()


def admin_token(secret: str) -> str:
    return issue_service_token(secret, "did:privy:ops", role="admin")


def status_of(api_client: ApiClient, token: str) -> int:
    return api_client.get(ADMIN_ROUTE, token=token).status_code


def test_both_secrets_are_accepted_in_the_window_and_only_the_new_one_after(
    api_client: ApiClient, secret: PlatformSecret, capsys: pytest.CaptureFixture[str]
) -> None:
    old = secret.read()[KEY]
    written = rotate(secret)
    new = written[KEY]
    assert (written[PREVIOUS], secret.read()) == (old, written)
    assert new != old and len(new) >= 32

    assert status_of(api_client, admin_token(old)) == 200
    assert status_of(api_client, admin_token(new)) == 200
    assert service_secrets().signing() == old  # an authorizer may not have read the new one yet
    assert status_of(api_client, api_client.service_token("did:privy:ops", role="admin")) == 200
    with pytest.raises(RotationError, match="accepted until"):
        rotate(secret)  # the old secret is still in use

    assert main(["status"]) == 0
    said = capsys.readouterr().out
    assert "issuers sign with the previous one" in said
    assert old not in said and new not in said  # never a value

    # The window is over (the rotation happened as long ago as the window lasts).
    over = datetime.now(UTC) - PREVIOUS_ACCEPTED_FOR - timedelta(seconds=1)
    secret.write({**written, ROTATED_AT: over.isoformat()})
    assert status_of(api_client, admin_token(old)) == 401
    assert status_of(api_client, admin_token(new)) == 200
    assert service_secrets().signing() == new
    assert status_of(api_client, api_client.service_token("did:privy:ops", role="admin")) == 200
    again = rotate(secret)  # the next rotation is allowed now, and keeps this one as previous
    assert again[PREVIOUS] == new and again[KEY] not in {old, new}


def test_a_revoking_rotation_refuses_the_old_secret_at_once(
    api_client: ApiClient, secret: PlatformSecret
) -> None:
    old = secret.read()[KEY]
    written = rotate(secret, revoke=True)
    assert PREVIOUS not in written and ROTATED_AT not in written
    assert status_of(api_client, admin_token(old)) == 401
    assert status_of(api_client, admin_token(written[KEY])) == 200
    assert json.dumps(secret.read()) == json.dumps(written)
