"""No function imports a chain library (web3, solders, privy-client, the Hyperliquid SDK) or boto3
at cold start: they are imported lazily where used (each costs 0.2-0.6 s of cold start). Every
settings class a function's code loads is validated by its cold start (``bootstrap(...)``), and
every handler runs inside the Powertools tracer (X-Ray on Lambda, switched off elsewhere)."""

from functools import cache

import pytest

from infra.catalog import FUNCTIONS
from tests.bench.coldstart import import_once

NAMES = [fn.name for fn in FUNCTIONS]
cold_start = cache(import_once)


@pytest.mark.parametrize("name", NAMES)
def test_cold_start_imports_no_heavy_library(name: str) -> None:
    assert cold_start(name)["heavy"] == []


@pytest.mark.parametrize("name", NAMES)
def test_cold_start_validates_every_settings_class_the_function_loads(name: str) -> None:
    assert cold_start(name)["unvalidated_settings"] == []


@pytest.mark.parametrize("name", NAMES)
def test_every_handler_is_traced(name: str) -> None:
    assert cold_start(name)["traced"] is True
