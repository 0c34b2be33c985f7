"""Funding settings: the deposit and withdrawal sagas' state machines (started by the API) and timing.

A receipt not seen within ``deposit_receipt_timeout_seconds`` fails the attempt (the state machine
retries it); Hyperliquid is polled every ``deposit_credit_poll_seconds``; a credit not seen within
``deposit_credit_timeout_seconds`` of the receipt leaves the deposit to the reconciler. A
withdrawal's payout on Arbitrum is looked for every ``withdrawal_payout_poll_seconds``; one not seen
within ``withdrawal_payout_timeout_seconds`` of the withdraw3 action goes to the reconciler.
"""

from __future__ import annotations

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class FundingSettings(BasisSettings):
    # Set (by CDK and the local stack) on the functions that start deposit sagas: the API.
    deposit_saga_arn: str | None = Field(default=None, min_length=1)
    withdrawal_saga_arn: str | None = Field(default=None, min_length=1)
    deposit_receipt_timeout_seconds: float = Field(default=40.0, gt=0, le=50)
    deposit_credit_poll_seconds: int = Field(default=15, ge=1, le=300)
    deposit_credit_timeout_seconds: int = Field(default=1800, ge=60)
    withdrawal_payout_poll_seconds: int = Field(default=15, ge=1, le=300)
    withdrawal_payout_timeout_seconds: int = Field(default=3600, ge=60)
    # The daily-cap reservation validate makes under the transfer id, held until the send settles it
    # (a lapsed one keeps counting as unresolved: never less than what may have been sent).
    deposit_cap_lease_seconds: int = Field(default=900, ge=60)


get_funding_settings = cached(FundingSettings)
