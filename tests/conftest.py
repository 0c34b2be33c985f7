"""Shared fixtures. ``stack`` is the embedded local stack on ephemeral ports, started once per
session only when a test asks for it, and always stopped."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        kind = Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0]
        if kind in {"integration", "e2e", "infra", "local"}:
            item.add_marker(getattr(pytest.mark, kind))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    from local.runtime.ports import ephemeral_ports

    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    local = LocalStack(ephemeral_ports(), schedules=False, log_dir=tmp_path_factory.mktemp("stack-logs"))
    try:
        local.start()
        yield local
    finally:
        local.stop()


@pytest.fixture
def api_client(stack: LocalStack) -> ApiClient:
    return ApiClient(stack)


@pytest.fixture
def signed_in_user(api_client: ApiClient) -> str:
    """A new user who signed in through the API and whose two server wallets are ready."""
    return sign_in(api_client.stack)


@pytest.fixture
def privy_wallets(api_client: ApiClient, signed_in_user: str) -> dict[str, Any]:
    """``signed_in_user``'s server wallets as the API reports them (ids and addresses per chain)."""
    wallets: dict[str, Any] = api_client.get("/wallets/server", user=signed_in_user).json()
    return wallets


@pytest.fixture(scope="session")
def privy_client(stack: LocalStack) -> Any:
    """privy-client against the local stack's Privy emulator, with the deployment's app secret."""
    from basis.privy.client import privy_client as deployment_client

    return deployment_client()


@pytest.fixture
def lifted_after(stack: LocalStack) -> Iterator[None]:
    """Whatever the test does to the kill switch, it is lifted after it (the session's other tests
    sign through the platform)."""
    from basis.risk import kill_switch

    try:
        yield
    finally:
        kill_switch.lift("tests")
