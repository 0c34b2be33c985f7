"""Cold-start bootstrap shared by every handler: validate configuration once, bind the tables."""

from __future__ import annotations

from basis.models import bind_models
from basis.platform.config import Settings, get_settings


def bootstrap() -> Settings:
    """Validate the environment (fails fast naming the bad setting) and bind every model to it."""
    settings = get_settings()
    bind_models(settings)
    return settings
