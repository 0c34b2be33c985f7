"""Per-user strategy configuration (seed 7.1), optimistic locking by version (C5) and the
cooldown value captured at close time (N6).

Access patterns: get by user; the scan fan-out lists the users whose strategy is active (enabled
and not paused) from ``by_active``, sparse: only active users carry ``active_flag``, so neither a
disabled nor a paused user is ever read by the fan-out.
"""

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from basis.models.attributes import DecimalAttribute
from basis.models.base import BaseModel, utcnow


class ByActive(GlobalSecondaryIndex["StrategyConfig"]):
    class Meta:
        index_name = "by_active"
        projection = KeysOnlyProjection()

    active_flag = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class StrategyConfig(BaseModel):
    table_suffix = "strategy_configs"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    enabled = BooleanAttribute(default=False)
    active_flag = UnicodeAttribute(null=True)  # "1" when enabled and not paused: keeps the index sparse
    mode = UnicodeAttribute(default="paper")  # paper | live
    assets = ListAttribute(of=UnicodeAttribute)
    protocols = ListAttribute(of=UnicodeAttribute)
    min_carry_apy = DecimalAttribute()
    min_funding_rate_8hr = DecimalAttribute()
    max_funding_volatility = DecimalAttribute()
    max_position_pct = DecimalAttribute()
    max_concurrent_positions = NumberAttribute()
    max_leverage = DecimalAttribute()
    min_exit_carry_apy = DecimalAttribute()
    take_profit_pct = DecimalAttribute(null=True)
    stop_loss_pct = DecimalAttribute()
    auto_reopen = BooleanAttribute(default=True)
    cooldown_minutes = NumberAttribute()
    last_close_time = UTCDateTimeAttribute(null=True)
    cooldown_at_close = NumberAttribute(null=True)
    paused_at = UTCDateTimeAttribute(null=True)
    paused_reason = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    by_active = ByActive()
