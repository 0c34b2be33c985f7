"""Every address, program id and chain id of ``basis.chains`` is written there and nowhere else in
the product (the domain package and the operator tools): everything else imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from basis.chains import arbitrum, hyperliquid, solana

ROOT = Path(__file__).resolve().parents[3]
CHAINS = ROOT / "layers" / "domain" / "basis" / "chains"


def _facts() -> list[str | int]:
    return [
        value
        for module in (arbitrum, hyperliquid, solana)
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str | int)
    ]


def _constants(path: Path) -> set[object]:
    return {node.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)}


def _sources() -> dict[str, set[object]]:
    paths = [*(ROOT / "layers").rglob("*.py"), *(ROOT / "tools").rglob("*.py")]
    return {str(p.relative_to(ROOT)): _constants(p) for p in paths if CHAINS not in p.parents}


SOURCES = _sources()


@pytest.mark.parametrize("fact", _facts())
def test_written_only_in_basis_chains(fact: str | int) -> None:
    assert [path for path, constants in SOURCES.items() if fact in constants] == []
