"""Hedged positions (HL short + Asgard long). The table is the source of truth (N10).

Access patterns: a user's positions (query by ``user_id``); every open position for the monitor
fan-out (``by_status``: status + opened_at).
"""

from decimal import Decimal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from basis.models.attributes import DecimalAttribute
from basis.models.base import BaseModel, utcnow


class ByStatus(GlobalSecondaryIndex["Position"]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    opened_at = UTCDateTimeAttribute(range_key=True)


class Position(BaseModel):
    table_suffix = "positions"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    position_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute(default="opening")  # opening | open | closing | closed | stuck_unwind
    asset = UnicodeAttribute(default="SOL")
    size_usd = DecimalAttribute(default=Decimal)
    leverage = NumberAttribute(default=1)
    hl_entry_price = DecimalAttribute(null=True)
    asgard_position_id = UnicodeAttribute(null=True)
    opened_at = UTCDateTimeAttribute(default=utcnow)
    closed_at = UTCDateTimeAttribute(null=True)
    close_reason = UnicodeAttribute(null=True)
    realized_pnl_usd = DecimalAttribute(null=True)
    version = VersionAttribute()

    by_status = ByStatus()
