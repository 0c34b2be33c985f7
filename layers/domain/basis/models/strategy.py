"""Per-user strategy configuration (seed 7.1), optimistic locking by version (C5) and the
cooldown value captured at close time (N6).

Access patterns: get by user; scan fan-out lists users whose strategy is enabled (``by_enabled``,
sparse: only enabled users carry ``enabled_flag``).
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

from basis.models.base import BaseModel, utcnow


class ByEnabled(GlobalSecondaryIndex["StrategyConfig"]):
    class Meta:
        index_name = "by_enabled"
        projection = KeysOnlyProjection()

    enabled_flag = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class StrategyConfig(BaseModel):
    table_suffix = "strategy_configs"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    enabled = BooleanAttribute(default=False)
    enabled_flag = UnicodeAttribute(null=True)  # "1" when enabled: keeps the index sparse
    assets = ListAttribute(of=UnicodeAttribute, default=lambda: ["SOL"])
    min_carry_apy = NumberAttribute(default=15)
    min_funding_rate_8hr = NumberAttribute(default=0.005)
    max_funding_volatility = NumberAttribute(default=50)
    max_position_pct = NumberAttribute(default=25)
    max_concurrent_positions = NumberAttribute(default=2)
    max_leverage = NumberAttribute(default=3)
    min_exit_carry_apy = NumberAttribute(default=5)
    take_profit_pct = NumberAttribute(null=True)
    stop_loss_pct = NumberAttribute(default=10)
    auto_reopen = BooleanAttribute(default=True)
    cooldown_minutes = NumberAttribute(default=30)
    last_close_time = UTCDateTimeAttribute(null=True)
    cooldown_at_close = NumberAttribute(null=True)
    paused_at = UTCDateTimeAttribute(null=True)
    paused_reason = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    by_enabled = ByEnabled()
