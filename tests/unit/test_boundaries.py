"""Only the stores touch the tables: every other module of the domain package reaches DynamoDB
through a store, so the PynamoDB models (``basis.models``) and PynamoDB itself are imported by the
modules listed here and by the models package, nowhere else (imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "layers" / "domain"

STORES = {
    "basis.identity.users",
    "basis.wallets.store",
    "basis.transfers.store",
    "basis.transfers.outbound_store",
    "basis.positions.store",
    "basis.signing.ledger",
    "basis.strategy.store",
    "basis.risk.store",
    "basis.platform.flags",
    "basis.platform.leases",
    "basis.platform.runtime",  # binds every model to the configured tables at cold start
}


def _module(path: Path) -> str:
    parts = path.relative_to(DOMAIN).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _touches_tables(name: str) -> bool:
    return name.split(".")[0] == "pynamodb" or name == "basis.models" or name.startswith("basis.models.")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def table_importers() -> set[str]:
    return {
        _module(path)
        for path in (DOMAIN / "basis").rglob("*.py")
        if not _module(path).startswith("basis.models")
        and any(_touches_tables(name) for name in _imports(path))
    }


def test_only_stores_import_the_models_or_pynamodb() -> None:
    assert table_importers() <= STORES, f"not stores: {sorted(table_importers() - STORES)}"


def test_every_listed_store_still_uses_the_tables() -> None:
    assert table_importers() >= STORES, (
        f"listed but not importing models: {sorted(STORES - table_importers())}"
    )


def test_a_lazy_import_counts(tmp_path: Path) -> None:
    module = tmp_path / "service.py"
    module.write_text("def f():\n    from basis import models\n    return models\n")
    assert any(_touches_tables(name) for name in _imports(module))
