"""Deployment size of each function: its code asset (``functions/<name>``, without bytecode, as CDK
packs it) plus the layers it uses as ``infra.build_layers`` builds them (the same directories the
CDK layer assets copy), in bytes unzipped (Lambda's limit: 250 MB for a function and its layers)
and zipped (what is uploaded). Builds the layers first if they are missing or stale."""

from __future__ import annotations

import json
import tempfile
import zipfile
from functools import cache
from pathlib import Path

from infra.build_layers import build_layer
from infra.catalog import FUNCTIONS, FUNCTIONS_DIR
from tests.bench import budgets
from tests.bench.budgets import budgeted

MB = 1_000_000


def _files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


@cache
def sizes(root: Path) -> tuple[int, int]:
    """(unzipped, zipped) bytes of the files under ``root``."""
    files = _files(root)
    unzipped = sum(p.stat().st_size for p in files)
    with tempfile.TemporaryFile() as out:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(root))
        zipped = out.tell()
    return unzipped, zipped


def run() -> dict[str, dict[str, object]]:
    layers = {name: build_layer(name) for fn in FUNCTIONS for name in fn.layers}
    results = {}
    for fn in FUNCTIONS:
        code, code_zip = sizes(FUNCTIONS_DIR / fn.name)
        layer_sizes = {name: sizes(layers[name]) for name in fn.layers}
        unzipped = code + sum(u for u, _ in layer_sizes.values())
        zipped = code_zip + sum(z for _, z in layer_sizes.values())
        budget = budgets.DEPLOYMENT_UNZIPPED_MB[fn.layers]
        results[fn.name] = {
            "code_bytes": code,
            "layer_bytes": {name: u for name, (u, _) in layer_sizes.items()},
            "unzipped_bytes": unzipped,
            "zipped_bytes": zipped,
            "unzipped_mb": budgeted(round(unzipped / MB, 1), budget, "MB"),
        }
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
