"""Funding settings: the deposit saga's state machine (started by the API) and its timing."""

from __future__ import annotations

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class FundingSettings(BasisSettings):
    """Read by the API, which starts one deposit saga per deposit."""

    deposit_saga_arn: str = Field(min_length=1)


class DepositSagaSettings(BasisSettings):
    """Read by the saga's steps. A receipt not seen within ``deposit_receipt_timeout_seconds`` fails
    the attempt (the state machine retries it); a credit not seen within
    ``deposit_credit_timeout_seconds`` of the receipt leaves the deposit to the reconciler."""

    deposit_receipt_timeout_seconds: float = Field(default=40.0, gt=0, le=50)
    deposit_credit_poll_seconds: int = Field(default=15, ge=1, le=300)
    deposit_credit_timeout_seconds: int = Field(default=1800, ge=60)


get_funding_settings = cached(FundingSettings)
get_deposit_saga_settings = cached(DepositSagaSettings)
