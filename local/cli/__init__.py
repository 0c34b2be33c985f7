"""``basis-local`` (also ``python -m local``): the local stack's command line and the demo."""

from local.cli.main import main

__all__ = ["main"]
