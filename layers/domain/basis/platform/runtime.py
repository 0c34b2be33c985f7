"""Cold-start bootstrap shared by every handler: validate configuration once, bind the tables."""

from __future__ import annotations

from basis.models import bind_models
from basis.platform.config import Settings, get_settings
from basis.platform.settings import BasisSettings, validate


def bootstrap(*needs: type[BasisSettings]) -> Settings:
    """Read the platform settings and every settings class in ``needs`` afresh (a bad variable of
    any of them fails here, each named), then bind every model to the deployment's tables."""
    validate((Settings, *needs))
    settings = get_settings()
    bind_models(settings)
    return settings
