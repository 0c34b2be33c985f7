"""Secrets and SSM parameters come through Powertools Parameters from the local stack's Secrets
Manager and SSM (moto): a value rotated by someone else is served from the cache until it is
``PARAMETERS_MAX_AGE_SECONDS`` old, then read anew, without a restart."""

from __future__ import annotations

import json
import secrets
import traceback
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Self

import pytest

from basis.platform import aws
from basis.platform.config import get_settings
from basis.platform.errors import ConfigurationError
from basis.platform.secrets import get_secrets
from basis.privy.client import privy_client
from basis.privy.ids import PrivyIds, load_privy_ids, parameter_name, store_privy_ids
from local.runtime.stack import LocalStack
from tests.secret_scan import Secret, report, scan


class Clock:
    """Moves the clock Powertools' parameter caches read (``datetime.now``) forward."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        clock = self

        class Shifted(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> Self:
                shifted = datetime.now(tz) + clock.offset
                return cls.combine(shifted.date(), shifted.timetz())

        monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.base.datetime", Shifted)

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def rotate_secret(stack: LocalStack) -> Iterator[None]:
    secrets = stack.client("secretsmanager")
    name = get_settings().secret_name
    original = secrets.get_secret_value(SecretId=name)["SecretString"]
    try:
        yield
    finally:
        secrets.put_secret_value(SecretId=name, SecretString=original)
        aws.secrets_provider().clear_cache()


def test_a_rotated_secret_is_used_within_five_minutes(
    stack: LocalStack, clock: Clock, rotate_secret: None
) -> None:
    aws.secrets_provider().clear_cache()  # read now: the cache entry is 0 s old
    before = get_secrets()
    client_before = privy_client()
    rotated = {**before.model_dump(), "internal_jwt_secret": "r" * 48, "privy_app_secret": "rotated"}
    stack.client("secretsmanager").put_secret_value(
        SecretId=get_settings().secret_name, SecretString=json.dumps(rotated)
    )
    clock.advance(aws.PARAMETERS_MAX_AGE_SECONDS - 5)
    assert get_secrets().internal_jwt_secret == before.internal_jwt_secret  # still cached
    assert privy_client() is client_before
    clock.advance(10)
    assert get_secrets().internal_jwt_secret == "r" * 48
    assert privy_client() is not client_before  # the SDK client is rebuilt with the new app secret
    assert privy_client().app_secret == "rotated"


def test_a_rewritten_parameter_is_used_within_five_minutes(stack: LocalStack, clock: Clock) -> None:
    aws.ssm_provider().clear_cache()  # read now: the cache entry is 0 s old
    original = load_privy_ids()
    rewritten = PrivyIds(evm_policy_id="pol-rewritten", key_quorum_id=original.key_quorum_id)
    ssm = stack.client("ssm")
    ssm.put_parameter(Name=parameter_name(), Value=rewritten.model_dump_json(), Type="String", Overwrite=True)
    try:
        assert load_privy_ids() == original
        clock.advance(aws.PARAMETERS_MAX_AGE_SECONDS + 1)
        assert load_privy_ids() == rewritten
    finally:
        store_privy_ids(original)
    assert load_privy_ids() == original  # what this process writes, it reads at once


@pytest.mark.parametrize("broken", ["a field invalid", "not JSON"])
def test_a_broken_secret_is_refused_naming_fields_never_values(
    stack: LocalStack, rotate_secret: None, broken: str
) -> None:
    values = {"privy_app_secret": secrets.token_urlsafe(24), "internal_jwt_secret": secrets.token_urlsafe(12)}
    text = json.dumps(values)  # the JWT secret is too short
    if broken == "not JSON":
        text = text.replace(", ", " ")
    stack.client("secretsmanager").put_secret_value(SecretId=get_settings().secret_name, SecretString=text)
    aws.secrets_provider().clear_cache()
    with pytest.raises(ConfigurationError, match="missing or has invalid fields") as refused:
        get_secrets()
    # what a log shows of it: the message and the traceback, with the exceptions it chains
    shown = "".join(traceback.format_exception(refused.value))
    findings = scan([("traceback", shown)], [Secret(name, value) for name, value in values.items()])
    assert not findings, report(findings)
    assert ("internal_jwt_secret" in str(refused.value)) is (broken == "a field invalid")
