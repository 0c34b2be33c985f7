"""Per-user risk tracking (seed 7.3): drawdown peak (N7), daily trades, consecutive failures, the
deposits and withdrawals already applied to the peak (the latest ones: a re-run of a saga step must
not apply its transfer twice), and risk-engine proximity start times keyed ``<user_id>:<venue>_<id>``
(C4) so restarts keep them.

Access pattern: get/update by user with version checks.
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

from basis.models.attributes import DecimalAttribute
from basis.models.base import BaseModel


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
    version = VersionAttribute()
