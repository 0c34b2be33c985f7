"""A user's strategy: the parameters they choose (checked against the system's hard caps) and the
state the platform keeps with them (pause, last close, version for optimistic locking, C5)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic_core import to_jsonable_python

from basis.platform.errors import ValidationRefusedError
from basis.strategy.limits import CAPS, DEFAULTS

MODES = ("paper", "live")


@dataclass(frozen=True)
class StrategyParameters:
    """What the user sets (seed 7.1.1's schema, plus ``mode``: paper trades on live data, no signing)."""

    enabled: bool = DEFAULTS.enabled
    mode: str = DEFAULTS.mode
    assets: tuple[str, ...] = DEFAULTS.assets
    protocols: tuple[str, ...] = DEFAULTS.protocols
    min_carry_apy: Decimal = DEFAULTS.min_carry_apy
    min_funding_rate_8hr: Decimal = DEFAULTS.min_funding_rate_8hr
    max_funding_volatility: Decimal = DEFAULTS.max_funding_volatility
    max_position_pct: Decimal = DEFAULTS.max_position_pct
    max_concurrent_positions: int = DEFAULTS.max_concurrent_positions
    max_leverage: Decimal = DEFAULTS.max_leverage
    min_exit_carry_apy: Decimal = DEFAULTS.min_exit_carry_apy
    take_profit_pct: Decimal | None = DEFAULTS.take_profit_pct
    stop_loss_pct: Decimal = DEFAULTS.stop_loss_pct
    auto_reopen: bool = DEFAULTS.auto_reopen
    cooldown_minutes: int = DEFAULTS.cooldown_minutes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PARAMETER_NAMES = tuple(f.name for f in fields(StrategyParameters))
DECIMAL_NAMES = frozenset(f.name for f in fields(StrategyParameters) if "Decimal" in str(f.type))


def _from_json(name: str, value: Any) -> Any:
    if name in DECIMAL_NAMES and value is not None:
        return Decimal(value)
    return tuple(value) if isinstance(value, list) else value


def parameters_of(values: dict[str, Any]) -> StrategyParameters:
    """Parameters from their JSON form (decimal text, lists), as ``Strategy.as_json`` writes them."""
    known: dict[str, Any] = {
        name: _from_json(name, v) for name, v in values.items() if name in PARAMETER_NAMES
    }
    return StrategyParameters(**known)


@dataclass(frozen=True)
class Strategy:
    """A user's stored strategy (``version`` 0: never saved, the defaults)."""

    user_id: str
    parameters: StrategyParameters = field(default_factory=StrategyParameters)
    version: int = 0
    paused_at: datetime | None = None
    paused_reason: str | None = None
    last_close_time: datetime | None = None
    cooldown_at_close: int | None = None
    updated_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def active(self) -> bool:
        """Scanned for entries: enabled and not paused."""
        return self.parameters.enabled and not self.paused

    def as_json(self) -> dict[str, Any]:
        """The strategy as the API shows it (and a 409 carries it): its parameters (amounts and
        percentages as exact decimal text), its version and the platform's state of it."""
        return dict(
            to_jsonable_python(
                {
                    **self.parameters.as_dict(),
                    "version": self.version,
                    "paused": self.paused,
                    "paused_reason": self.paused_reason,
                    "paused_at": self.paused_at,
                    "last_close_time": self.last_close_time,
                    "cooldown_at_close": self.cooldown_at_close,
                    "updated_at": self.updated_at,
                }
            )
        )


class StrategyRefusedError(ValidationRefusedError, code="strategy_out_of_limits"):
    """Parameters outside the system's hard caps; ``details.violations`` names every field and limit."""


def _violations(p: StrategyParameters) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def check(ok: bool, name: str, limit: str) -> None:
        if not ok:
            found.append({"field": name, "limit": limit, "value": str(getattr(p, name))})

    check(p.mode in MODES, "mode", f"one of {', '.join(MODES)}")
    check(
        bool(p.assets) and set(p.assets) <= set(CAPS.assets), "assets", f"a non-empty subset of {CAPS.assets}"
    )
    check(
        bool(p.protocols) and set(p.protocols) <= set(CAPS.protocols),
        "protocols",
        f"a non-empty subset of {CAPS.protocols}",
    )
    # Above 1: the positions service refuses a leverage of 1 or less, so a 1x strategy could never enter.
    check(
        Decimal(1) < p.max_leverage <= CAPS.max_leverage,
        "max_leverage",
        f"above 1, at most {CAPS.max_leverage}x",
    )
    check(
        CAPS.min_stop_loss_pct <= p.stop_loss_pct <= 100,
        "stop_loss_pct",
        f"{CAPS.min_stop_loss_pct} to 100 %",
    )
    check(
        p.take_profit_pct is None or 0 < p.take_profit_pct <= 1000,
        "take_profit_pct",
        "above 0, at most 1000 %",
    )
    check(
        CAPS.min_cooldown_minutes <= p.cooldown_minutes <= 7 * 24 * 60,
        "cooldown_minutes",
        f"{CAPS.min_cooldown_minutes} minutes to 7 days",
    )
    check(
        1 <= p.max_concurrent_positions <= CAPS.max_positions,
        "max_concurrent_positions",
        f"1 to {CAPS.max_positions}",
    )
    check(0 < p.max_position_pct <= 100, "max_position_pct", "above 0, at most 100 %")
    check(p.min_carry_apy >= 0, "min_carry_apy", "at least 0 %")
    check(p.min_exit_carry_apy >= 0, "min_exit_carry_apy", "at least 0 %")
    check(p.min_funding_rate_8hr >= 0, "min_funding_rate_8hr", "at least 0")
    check(p.max_funding_volatility > 0, "max_funding_volatility", "above 0 %")
    return found


def validated(parameters: StrategyParameters) -> StrategyParameters:
    """``parameters`` when every field is within the system's caps; else ``StrategyRefusedError``."""
    violations = _violations(parameters)
    if violations:
        first = violations[0]
        raise StrategyRefusedError(
            f"{first['field']} must be {first['limit']} (got {first['value']})", violations=violations
        )
    return parameters


def with_changes(parameters: StrategyParameters, **changes: Any) -> StrategyParameters:
    """``parameters`` with ``changes`` applied (names outside the schema: ``StrategyRefusedError``)."""
    unknown = sorted(set(changes) - set(PARAMETER_NAMES))
    if unknown:
        raise StrategyRefusedError(f"unknown strategy fields: {', '.join(unknown)}", fields=unknown)
    return validated(replace(parameters, **changes))
