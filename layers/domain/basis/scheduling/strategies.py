"""The strategy store: each user's strategy configuration, read here for the scan fan-out.

``active_users`` lists the users whose strategy is enabled and not paused, from the sparse
``by_enabled`` index (only enabled users are in it) confirmed against each user's item.
"""

from __future__ import annotations

from collections.abc import Iterator

from basis.models import StrategyConfig


def active_users() -> Iterator[str]:
    for key in StrategyConfig.by_enabled.query("1"):
        config = StrategyConfig.get(key.user_id)
        if config.enabled and config.paused_at is None:
            yield config.user_id
