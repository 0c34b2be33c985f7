"""What every operator command does first: read and validate the deployment's configuration (the
same ``BASIS_*`` environment the functions get) and, given ``--stage``, refuse to go on when that
environment is another deployment's."""

from __future__ import annotations

import argparse

from basis.platform.config import Settings


class WrongStageError(Exception):
    """The environment is configured for another stage than the operator named."""


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
