"""Synthesizes the CDK app once per session (bundling skipped: no layer build, offline)."""

from __future__ import annotations

import os

# Before aws_cdk starts jsii: silence Node's end-of-life banner.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import json  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


@dataclass
class Synth:
    outdir: Path
    templates: dict[str, dict[str, Any]]  # "data" | "service" | "observability" -> template
    seconds: float


def synthesize(outdir: Path, context: dict[str, Any] | None = None) -> Synth:
    from infra.app import build_app

    started = time.perf_counter()
    app = build_app(context={**SKIP_BUNDLING, **(context or {})}, outdir=str(outdir))
    assembly = app.synth()
    seconds = time.perf_counter() - started
    templates = {stack.stack_name.rsplit("-", 1)[1]: stack.template for stack in assembly.stacks}
    return Synth(outdir, json.loads(json.dumps(templates)), seconds)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out"))
