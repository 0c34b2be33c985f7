"""Rotating the service-token secret: during the window both secrets verify, the previous one signs
until every authorizer has read the new one, and after the window only the new one verifies."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from basis.identity.service_secrets import PREVIOUS_ACCEPTED_FOR, PREVIOUS_SIGNS_FOR, ServiceSecrets, of
from basis.identity.tokens import AuthError, issue_service_token, verify_service_token
from basis.platform.aws import PARAMETERS_MAX_AGE_SECONDS
from basis.platform.secrets import Secrets

OLD, NEW = "o" * 48, "n" * 48
ROTATED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T0 = ROTATED_AT.timestamp()


def rotated() -> ServiceSecrets:
    return ServiceSecrets(current=NEW, previous=OLD, rotated_at=ROTATED_AT)


def test_the_window_covers_the_secret_cache_then_a_whole_token_lifetime() -> None:
    assert PREVIOUS_SIGNS_FOR.total_seconds() > PARAMETERS_MAX_AGE_SECONDS
    assert PREVIOUS_ACCEPTED_FOR.total_seconds() == 660  # 5 min cache + 5 min token + 2 x 30 s skew


def test_without_a_rotation_the_one_secret_signs_and_verifies() -> None:
    secrets = ServiceSecrets(current=NEW)
    assert (secrets.signing(T0), secrets.accepted(T0)) == (NEW, (NEW,))


@pytest.mark.parametrize(
    ("seconds_after", "signs", "accepted"),
    [
        (0, OLD, (NEW, OLD)),
        (PREVIOUS_SIGNS_FOR.total_seconds() - 1, OLD, (NEW, OLD)),
        (PREVIOUS_SIGNS_FOR.total_seconds(), NEW, (NEW, OLD)),
        (PREVIOUS_ACCEPTED_FOR.total_seconds() - 1, NEW, (NEW, OLD)),
        (PREVIOUS_ACCEPTED_FOR.total_seconds(), NEW, (NEW,)),
        (86_400, NEW, (NEW,)),
    ],
)
def test_which_secret_signs_and_which_verify_along_the_window(
    seconds_after: float, signs: str, accepted: tuple[str, ...]
) -> None:
    moment = T0 + seconds_after
    assert rotated().signing(moment) == signs
    assert rotated().accepted(moment) == accepted


def test_a_previous_secret_without_its_time_is_never_used() -> None:
    secrets = ServiceSecrets(current=NEW, previous=OLD)
    assert (secrets.signing(T0), secrets.accepted(T0)) == (NEW, (NEW,))


def test_tokens_of_both_secrets_verify_in_the_window_and_only_the_new_after() -> None:
    now = time.time()
    in_window = ServiceSecrets(NEW, OLD, datetime.fromtimestamp(now - 60, UTC)).accepted()
    after = ServiceSecrets(NEW, OLD, datetime.fromtimestamp(now - PREVIOUS_ACCEPTED_FOR.total_seconds(), UTC))
    old_token = issue_service_token(OLD, "did:privy:ops", role="admin")
    new_token = issue_service_token(NEW, "did:privy:ops", role="admin")
    assert verify_service_token(old_token, in_window).role == "admin"
    assert verify_service_token(new_token, in_window).role == "admin"
    assert verify_service_token(new_token, after.accepted()).role == "admin"
    with pytest.raises(AuthError, match="Signature verification failed"):
        verify_service_token(old_token, after.accepted())
    with pytest.raises(AuthError, match="Signature verification failed"):
        verify_service_token(issue_service_token("x" * 48, "did:privy:ops"), in_window)


def test_the_secret_json_carries_the_rotation() -> None:
    secrets = Secrets.model_validate(
        {
            "privy_app_secret": "p",
            "internal_jwt_secret": NEW,
            "internal_jwt_secret_previous": OLD,
            "internal_jwt_secret_rotated_at": ROTATED_AT.isoformat(),
        }
    )
    assert of(secrets) == rotated()
    with pytest.raises(ValueError, match="timezone"):
        Secrets.model_validate(
            {
                "privy_app_secret": "p",
                "internal_jwt_secret": NEW,
                "internal_jwt_secret_rotated_at": "2026-01-01T12:00",
            }
        )
