"""Per-user risk tracking (seed 7.3): drawdown peak (N7), daily trades, consecutive failures, the
deposits and withdrawals already applied to the peak (the latest ones: a re-run of a saga step must
not apply its transfer twice), and risk-engine proximity start times keyed ``<user_id>:<venue>_<id>``
(C4) so restarts keep them.

Access patterns: get/update by user with version checks; the position monitor's fan-out lists the
users with positions to watch from ``by_watch``, sparse: only they carry ``watch_flag``, so a user
without an open position is never read by the fan-out. ``watch_marks`` counts the marks, so the
monitor removes the flag only if no position was marked since it found the user had none.
"""

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from basis.models.attributes import DecimalAttribute
from basis.models.base import BaseModel


class ByWatch(GlobalSecondaryIndex["RiskTracking"]):
    class Meta:
        index_name = "by_watch"
        projection = KeysOnlyProjection()

    watch_flag = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class RiskTracking(BaseModel):
    table_suffix = "risk_tracking"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    peak_balance_usd = DecimalAttribute(default=Decimal)
    current_balance_usd = DecimalAttribute(default=Decimal)
    daily_trade_count = NumberAttribute(default=0)
    daily_trade_date = UnicodeAttribute(null=True)
    consecutive_failures = NumberAttribute(default=0)
    applied_transfers: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, default=list)
    proximity_started = MapAttribute(default=dict)  # type: ignore[var-annotated]
    watch_flag = UnicodeAttribute(null=True)  # "1" while the user has positions to watch (sparse index)
    watch_marks = NumberAttribute(default=0)
    version = VersionAttribute()

    by_watch = ByWatch()
