"""No function imports a chain library (web3, solders, privy-client, the Hyperliquid SDK) or boto3
at cold start: they are imported lazily where used (each costs 0.2-0.6 s of cold start)."""

import pytest

from infra.catalog import FUNCTIONS
from tests.bench.coldstart import import_once


@pytest.mark.parametrize("name", [fn.name for fn in FUNCTIONS])
def test_cold_start_imports_no_heavy_library(name: str) -> None:
    assert import_once(name)["heavy"] == []
