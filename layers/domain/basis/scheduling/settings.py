"""Scheduling settings: where the scan fan-out queues its per-user messages."""

from __future__ import annotations

from pydantic import Field

from basis.platform.settings import BasisSettings, cached


class SchedulingSettings(BasisSettings):
    scan_queue_url: str = Field(min_length=1)


get_scheduling_settings = cached(SchedulingSettings)
