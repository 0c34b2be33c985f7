"""Monitor fan-out settings: where the monitor dispatcher queues one check per watched user."""

from __future__ import annotations

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class MonitorDispatchSettings(BasisSettings):
    monitor_queue_url: str = Field(min_length=1)


get_monitor_dispatch_settings = cached(MonitorDispatchSettings)
