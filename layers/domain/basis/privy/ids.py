"""Where the product finds its Privy policy ids and key quorum (seed 1.5): one SSM parameter,
written by the operator script that creates the policies (``python -m tools.privy_setup``), read
through Powertools Parameters (a rewrite is picked up within ``PARAMETERS_MAX_AGE_SECONDS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError

from basis.platform.aws import PARAMETERS_MAX_AGE_SECONDS, client, ssm_provider
from basis.platform.config import get_settings
from basis.platform.errors import ConfigurationError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError


class PrivyIds(BaseModel):
    evm_policy_id: str = Field(min_length=1)
    # None while the Solana policy is not created: provisioning then refuses (basis.wallets.provisioning).
    solana_policy_id: str | None = None
    # The platform's key quorum: owner of every server wallet, so only the platform can sign.
    key_quorum_id: str | None = None


def parameter_name() -> str:
    return f"/basis/{get_settings().stage}/privy"


def store_privy_ids(ids: PrivyIds) -> str:
    name = parameter_name()
    client("ssm").put_parameter(Name=name, Value=ids.model_dump_json(), Type="String", Overwrite=True)
    ssm_provider().clear_cache()  # this process reads what it just wrote
    return name


def _not_found(error: GetParameterError) -> bool:
    response = getattr(error.__context__, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ParameterNotFound")


def load_privy_ids() -> PrivyIds:
    # Deferred: importing Powertools Parameters loads boto3 (cold start).
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    name = parameter_name()
    try:
        raw = ssm_provider().get(name, max_age=PARAMETERS_MAX_AGE_SECONDS)
    except GetParameterError as exc:
        if not _not_found(exc):
            raise
        raise ConfigurationError(
            f"SSM parameter {name} is missing: create the policies with `python -m tools.privy_setup`"
        ) from exc
    try:
        return PrivyIds.model_validate_json(str(raw))
    except ValidationError as exc:
        raise ConfigurationError(f"SSM parameter {name} is not valid: {exc.errors()[0]['msg']}") from exc
