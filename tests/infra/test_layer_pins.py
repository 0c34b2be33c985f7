"""The base layer ships the boto3 the code is tested with, so botocore matches on Lambda."""

from __future__ import annotations

import importlib.metadata
import tomllib

from infra.build_layers import REQUIREMENTS_DIR
from infra.catalog import ROOT


def test_boto3_is_pinned_alike_in_the_layer_the_project_and_the_venv() -> None:
    lines = (REQUIREMENTS_DIR / "base.txt").read_text().splitlines()
    (layer,) = [line.strip() for line in lines if line.startswith("boto3")]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (declared,) = [d for d in project if d.startswith("boto3")]
    assert layer.startswith("boto3==") and declared == layer
    assert layer == f"boto3=={importlib.metadata.version('boto3')}"
