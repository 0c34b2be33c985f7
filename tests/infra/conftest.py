"""Synthesizes the CDK app once per session (bundling skipped: no layer build, offline)."""

from __future__ import annotations

import os

# Before aws_cdk starts jsii: silence Node's end-of-life banner.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


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


def imported_resource(value: Any, exporter: dict[str, Any]) -> dict[str, Any]:
    """The resource behind a cross-stack ``{"Fn::ImportValue": ...}`` that ``exporter`` exports
    (by ``Ref`` or ``Fn::GetAtt``)."""
    export = value["Fn::ImportValue"]
    (output,) = [o for o in exporter["Outputs"].values() if o.get("Export", {}).get("Name") == export]
    exported = output["Value"]
    logical = exported["Ref"] if "Ref" in exported else exported["Fn::GetAtt"][0]
    return dict(exporter["Resources"][logical])
