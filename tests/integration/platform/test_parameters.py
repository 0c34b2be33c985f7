"""Secrets and SSM parameters come through Powertools Parameters from the local stack's Secrets
Manager and SSM (moto): a value rotated by someone else is served from the cache until it is
``PARAMETERS_MAX_AGE_SECONDS`` old, then read anew, without a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Self

import pytest

from basis.platform import aws
from basis.platform.config import get_settings
from basis.platform.secrets import get_secrets
from basis.privy.client import privy_client
from basis.privy.ids import PrivyIds, load_privy_ids, parameter_name, store_privy_ids
from local.runtime.stack import LocalStack


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
