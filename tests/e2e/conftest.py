from __future__ import annotations

import pytest

from tests.e2e.demo_run import DemoRun, run_demo


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The journey, once for all the e2e tests."""
    return run_demo(*(tmp_path_factory.mktemp(name) for name in ("state", "record", "secrets")))
