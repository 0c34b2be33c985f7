"""What every operator command does first: read and validate the deployment's configuration (the
same ``BASIS_*`` environment the functions get) and, given ``--stage``, refuse to go on when that
environment is another deployment's."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from basis.platform.config import Settings
from basis.platform.errors import ConfigurationError


class WrongStageError(Exception):
    """The environment is configured for another stage than the operator named."""


class RotationError(Exception):
    """A rotation step cannot be taken now; the message says why and what to do."""


def add_stage_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage", help="refuse to run unless the configured deployment (BASIS_STAGE) is this stage"
    )


def bootstrap_for(stage: str | None) -> Settings:
    from basis.platform.runtime import bootstrap

    settings = bootstrap()
    if stage and stage != settings.stage:
        raise WrongStageError(f"configured for stage {settings.stage!r}, not {stage!r}: nothing done")
    return settings


def exit_status(step: Callable[[], None]) -> int:
    """Run an operator command's ``step``: 0 when done; its refusal on stderr and 2 (configuration:
    wrong stage or settings) or 1 (the rotation cannot be taken now)."""
    try:
        step()
    except (WrongStageError, ConfigurationError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except RotationError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0
