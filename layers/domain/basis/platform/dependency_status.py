"""The public up/down view of the dependencies, from a cache of the last probe.

Anonymous callers read this view: they never trigger probes more than once per
``BASIS_HEALTH_CACHE_SECONDS`` (at most 10) per container, and never see details (those can name internal endpoints; admins read them through
``basis.platform.dependencies.check``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from basis.platform import dependencies
from basis.platform.config import Settings


@dataclass(frozen=True)
class DependencyStatus:
    status: str  # "ok" | "degraded"
    dependencies: dict[str, str]  # name -> "up" | "down"
    checked_at: float  # epoch seconds of the probe this view comes from


_last: DependencyStatus | None = None


def current(settings: Settings, *, now: float | None = None) -> DependencyStatus:
    """The last probe's view if it is at most ``health_cache_seconds`` old, else a fresh probe's."""
    global _last
    moment = time.time() if now is None else now
    if _last is not None and 0 <= moment - _last.checked_at <= settings.health_cache_seconds:
        return _last
    if True:
        report = dependencies.check(settings)
        probes = report["dependencies"]
        assert isinstance(probes, dict)
        _last = DependencyStatus(
            status=str(report["status"]),
            dependencies={name: "up" if probe["ok"] else "down" for name, probe in probes.items()},
            checked_at=moment,
        )
    return _last
