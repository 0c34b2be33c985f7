"""Deposits and withdrawals, each driven by a Step Functions saga, with its stage (seed 5.3a).

Access patterns: a user's transfers (query by ``user_id``, newest first by ``created_at``);
transfers stuck in a stage for the reconciler (``by_stage``: stage + updated_at).
"""

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from basis.models.base import BaseModel, utcnow


class ByStage(GlobalSecondaryIndex["Transfer"]):
    class Meta:
        index_name = "by_stage"
        projection = AllProjection()

    stage = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class Transfer(BaseModel):
    table_suffix = "transfers"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    transfer_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # deposit | withdrawal | outbound
    # deposit: initiated | validated | gas_funded | bridge_sent | bridge_confirmed | hl_credited
    #          (or rejected | failed: only while no funds left the wallet)
    # withdrawal: initiated | hl_withdraw_sent | completed (or failed: only while nothing left
    #             Hyperliquid); with a destination: hl_withdraw_sent | paid_out | gas_funded |
    #             delivering | completed (or undelivered: the payout stayed in the server wallet)
    stage = UnicodeAttribute(default="initiated")
    execution_arn = UnicodeAttribute(null=True)
    tx_hash = UnicodeAttribute(null=True)
    payout_tx_hash = UnicodeAttribute(null=True)  # withdrawal: the Arbitrum transfer that paid it out
    delivery_tx_hash = UnicodeAttribute(null=True)  # withdrawal: the delivery to its destination
    error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()
    # outbound: a transfer out of a server wallet, signed by the user's own key (sent | failed)
    chain = UnicodeAttribute(null=True)
    asset = UnicodeAttribute(null=True)
    amount = UnicodeAttribute(null=True)  # exact decimal text (USDC for deposits and withdrawals)
    destination = UnicodeAttribute(null=True)  # outbound: its recipient; withdrawal: where it is delivered
    request_hash = UnicodeAttribute(null=True)  # what the Idempotency-Key was first used for
    # the unsigned transaction (JSON), resent as it is; a withdrawal's withdraw3 action (its nonce)
    prepared = UnicodeAttribute(null=True)
    needs_reconciliation = BooleanAttribute(null=True)  # funds may have moved: the reconciler decides
    # how often the reconciler re-drove the saga (its executions: <transfer id>-redrive-<n>)
    redrives = NumberAttribute(null=True)
    lease_until = NumberAttribute(null=True)  # epoch seconds: a request is working on it until then

    by_stage = ByStage()
