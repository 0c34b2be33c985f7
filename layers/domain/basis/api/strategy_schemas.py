"""Request and response bodies of the strategy, risk and kill switch routes (the OpenAPI schemas).

Amounts and percentages are exact decimal text, as everywhere in this API. The schemas bound only
the shape (and sizes); the system's caps are the domain's to check (``basis.strategy.config``), so a
value outside them answers 400 naming the field and the limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from basis.strategy.config import StrategyParameters, parameters_of

DecimalText = Annotated[
    str,
    Field(max_length=24, pattern=r"^[0-9]{1,12}(\.[0-9]{1,10})?$", description="decimal text, e.g. '15.5'"),
]
Name = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class StrategyParametersBody(BaseModel):
    """Every parameter of the strategy (seed 7.1.1): a PUT sends them all."""

    enabled: bool = Field(description="scan for entries (when not paused)")
    mode: Name = Field(description="paper (simulated fills, nothing signed) or live")
    assets: list[Name] = Field(max_length=16, description="assets to trade")
    protocols: list[Name] = Field(max_length=16, description="Asgard lending protocols for the long leg")
    min_carry_apy: DecimalText = Field(description="entry: the carry APY at least, %")
    min_funding_rate_8hr: DecimalText = Field(description="entry: the 8-hour funding rate at least")
    max_funding_volatility: DecimalText = Field(description="entry: the funding volatility at most, %")
    max_position_pct: DecimalText = Field(description="sizing: the share of the balance per position, %")
    max_concurrent_positions: Count
    max_leverage: DecimalText
    min_exit_carry_apy: DecimalText = Field(description="exit: below this carry APY, %")
    take_profit_pct: DecimalText | None = Field(description="exit: at this profit, %; null: never")
    stop_loss_pct: DecimalText = Field(description="exit: at this loss, %")
    auto_reopen: bool = Field(description="re-enter after a close, once the cooldown passed")
    cooldown_minutes: Count = Field(description="after a close, before the next entry")

    def parameters(self) -> StrategyParameters:
        return parameters_of(self.model_dump())


class StrategyUpdateRequest(StrategyParametersBody):
    model_config = ConfigDict(extra="forbid")
    version: Count = Field(
        description="the version read (GET); another version answers 409 with the current one"
    )


class StrategyResponse(StrategyParametersBody):
    version: int = Field(description="0: never saved, the defaults")
    paused: bool
    paused_reason: str | None = Field(
        description="user_requested, drawdown, consecutive_failures, kill_switch, closed_no_reopen"
    )
    paused_at: datetime | None
    last_close_time: datetime | None
    cooldown_at_close: int | None = Field(description="the cooldown set when the last position closed (N6)")
    updated_at: datetime | None


class RiskStatusResponse(BaseModel):
    bot_status: Literal["active", "paused", "inactive"]
    paused_reason: str | None
    paused_at: datetime | None
    kill_switch_engaged: bool
    drawdown_pct: str = Field(description="from the peak balance, %")
    max_drawdown_pct: str = Field(description="past this the strategy pauses")
    peak_balance_usd: str
    current_balance_usd: str
    trades_today: int = Field(description="since 00:00 UTC")
    daily_limit: int
    consecutive_failures: int
    failure_limit: int
    next_entry_at: datetime | None = Field(
        description="when the cooldown after the last close ends; null: not in one"
    )


class KillSwitchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$", description="why (kept with the switch)"
    )


class KillSwitchResponse(BaseModel):
    engaged: bool
    by: str | None = Field(description="who engaged it (or lifted it)")
    reason: str | None
    changed_at: datetime | None
    paused: int | None = Field(None, description="strategies this request paused (POST only)")
