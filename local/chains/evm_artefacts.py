"""The committed compiled artefacts of the local EVM contracts (see ``local.chains.compile``)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from local.chains.compile import artefact_path


@cache
def load_artefact(name: str) -> dict[str, Any]:
    """The artefact of ``USDC`` or ``Bridge2``: abi, bytecode, deployedBytecode, storageLayout."""
    artefact: dict[str, Any] = json.loads(artefact_path(name).read_text())
    return artefact


def abi(name: str) -> list[dict[str, Any]]:
    return list(load_artefact(name)["abi"])
