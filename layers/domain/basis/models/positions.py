"""Hedged positions (HL short + Asgard long). The table is the source of truth (N10).

Access patterns: a user's positions (query by ``user_id``); every position in a status for the
monitor fan-out and the stuck-unwind count (``by_status``: status + opened_at).

Each leg is a map on the row: what the saga intends to send (its client id: the Hyperliquid
``cloid`` or the Asgard position PDA, written BEFORE the venue is asked) and what came back (fills,
prices, amounts). Amounts and prices are ``DecimalAttribute`` (never floats); ``version`` makes every
write conditional on the row being unchanged since it was read.
"""

from decimal import Decimal

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from basis.models.attributes import DecimalAttribute
from basis.models.base import BaseModel, utcnow


class ByStatus(GlobalSecondaryIndex["Position"]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    opened_at = UTCDateTimeAttribute(range_key=True)


class Leg(MapAttribute[str, object]):
    """One side of the hedge at one venue."""

    venue = UnicodeAttribute()  # hyperliquid | asgard
    # pending | sending | open | failed | closing | closed
    status = UnicodeAttribute(default="pending")
    attempt = NumberAttribute(default=0)  # open attempts so far (each its own client id)
    client_id = UnicodeAttribute(null=True)  # the open attempt's cloid (HL) / position PDA (Asgard)
    close_attempt = NumberAttribute(default=0)
    close_client_id = UnicodeAttribute(null=True)  # the close attempt's cloid (HL)
    submitted_at = UTCDateTimeAttribute(null=True)  # when the open was handed to the venue
    venue_ref = UnicodeAttribute(null=True)  # HL order id / Asgard open transaction
    close_ref = UnicodeAttribute(null=True)  # HL order id / Asgard close transaction
    size = DecimalAttribute(null=True)  # coin units (SOL)
    entry_price = DecimalAttribute(null=True)
    exit_price = DecimalAttribute(null=True)
    fees_usd = DecimalAttribute(null=True)
    collateral_usd = DecimalAttribute(null=True)  # Asgard: the USDC put in
    debt_usd = DecimalAttribute(null=True)  # Asgard: the USDC borrowed at open
    proceeds_usd = DecimalAttribute(null=True)  # Asgard: the equity paid back at close
    closed_pnl_usd = DecimalAttribute(null=True)  # HL: the close fills' closed PnL
    funding_usd = DecimalAttribute(null=True)  # HL: funding received while open (+ received)
    interest_usd = DecimalAttribute(null=True)  # Asgard: interest paid while open
    opened_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    error = UnicodeAttribute(null=True)


class StatusChange(MapAttribute[str, object]):
    status = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    detail = UnicodeAttribute(null=True)


class Position(BaseModel):
    table_suffix = "positions"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    position_id = UnicodeAttribute(range_key=True)
    # opening | open | closing | closed | unwinding | failed | stuck_unwind
    status = UnicodeAttribute(default="opening")
    mode = UnicodeAttribute(default="live")  # live | paper (fills simulated, nothing signed)
    asset = UnicodeAttribute(default="SOL")
    size_usd = DecimalAttribute(default=Decimal)  # each leg's notional at entry
    leverage = DecimalAttribute(default=Decimal)
    reason = UnicodeAttribute(null=True)  # why it was opened (the scan's decision, a test...)
    intent_key = UnicodeAttribute(null=True)  # the caller's idempotency key, if any
    short_leg = Leg(null=True)
    long_leg = Leg(null=True)
    opened_at = UTCDateTimeAttribute(default=utcnow)  # requested; then when both legs opened
    closed_at = UTCDateTimeAttribute(null=True)
    close_requested = UnicodeAttribute(null=True)  # a close asked for while opening: its reason
    close_reason = UnicodeAttribute(null=True)
    realized_pnl_usd = DecimalAttribute(null=True)
    error = UnicodeAttribute(null=True)
    history = ListAttribute(of=StatusChange, default=list)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    by_status = ByStatus()
