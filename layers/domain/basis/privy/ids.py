"""Where the product finds its Privy policy ids and key quorum (seed 1.5): one SSM parameter,
written by the operator script that creates the policies (``python -m tools.privy_setup``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError

from basis.platform.aws import client
from basis.platform.config import get_settings
from basis.platform.errors import ConfigurationError


class PrivyIds(BaseModel):
    evm_policy_id: str = Field(min_length=1)
    # None while the Solana policy is not created: wallets are then created without one (logged).
    solana_policy_id: str | None = None
    # The platform's key quorum: owner of every server wallet, so only the platform can sign.
    key_quorum_id: str | None = None


def parameter_name() -> str:
    return f"/basis/{get_settings().stage}/privy"


def store_privy_ids(ids: PrivyIds) -> str:
    name = parameter_name()
    client("ssm").put_parameter(Name=name, Value=ids.model_dump_json(), Type="String", Overwrite=True)
    load_privy_ids.cache_clear()
    return name


@lru_cache(maxsize=1)
def load_privy_ids() -> PrivyIds:
    name = parameter_name()
    ssm = client("ssm")
    try:
        raw = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound as exc:
        raise ConfigurationError(
            f"SSM parameter {name} is missing: create the policies with `python -m tools.privy_setup`"
        ) from exc
    try:
        return PrivyIds.model_validate_json(raw)
    except ValidationError as exc:
        raise ConfigurationError(f"SSM parameter {name} is not valid: {exc.errors()[0]['msg']}") from exc
