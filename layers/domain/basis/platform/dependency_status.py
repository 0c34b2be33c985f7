"""The public up/down view of the dependencies, from a cache of the last probe.

Anonymous callers read this view: they trigger at most one probe per ``BASIS_HEALTH_CACHE_SECONDS``
(10 at most) per container, and never see details, which can name internal endpoints (admins read
those through ``basis.platform.dependencies.check``).
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


_last: tuple[float, DependencyStatus] | None = None  # (epoch seconds of the probe, its view)


def current(settings: Settings, *, now: float | None = None) -> DependencyStatus:
    """The last probe's view if it is at most ``health_cache_seconds`` old, else a fresh probe's."""
    global _last
    moment = time.time() if now is None else now
    if _last is not None and 0 <= moment - _last[0] <= settings.health_cache_seconds:
        return _last[1]
    report = dependencies.check(settings)
    view = DependencyStatus(
        status=report.status,
        dependencies={name: "up" if probe.ok else "down" for name, probe in report.dependencies.items()},
    )
    _last = (moment, view)
    return view
