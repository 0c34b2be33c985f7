"""Lambda layers built on this machine (no Docker): ``infra.build_layers`` via local bundling.

Infra tests skip bundling (context ``aws:cdk:bundling-stacks: []``); the asset then points at the
layer's sources, which always exist on a clean clone.
"""

from __future__ import annotations

import shutil
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.build_layers import LAYERS, PLATFORM, PYTHON_VERSION, ROOT, build_layer

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
assert PLATFORM.endswith("x86_64") and RUNTIME.name == f"python{PYTHON_VERSION}"


@jsii.implements(cdk.ILocalBundling)
class LocalLayerBuild:
    """Bundles a layer by running the pip-based builder and copying its output."""

    def __init__(self, name: str) -> None:
        self.name = name

    def try_bundle(self, output_dir: str, _options: Any = None) -> bool:
        built = build_layer(self.name)
        shutil.copytree(built / "python", f"{output_dir}/python", dirs_exist_ok=True)
        return True


def layer_versions(scope: Construct, prefix: str) -> dict[str, lambda_.LayerVersion]:
    layers = {}
    for name in LAYERS:
        code = lambda_.Code.from_asset(
            str(ROOT / "layers"),
            exclude=["**/__pycache__", "**/*.pyc", *(["domain"] if name != "base" else [])],
            bundling=cdk.BundlingOptions(
                image=cdk.DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
                local=LocalLayerBuild(name),  # type: ignore[arg-type]  # jsii passes options positionally
            ),
        )
        layers[name] = lambda_.LayerVersion(
            scope,
            f"Layer{name.title()}",
            layer_version_name=f"{prefix}{name}",
            code=code,
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"basis {name} layer (layers/requirements/{name}.txt)",
        )
    return layers
