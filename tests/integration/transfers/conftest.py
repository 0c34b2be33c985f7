"""Fixtures of the transfer tests on the local stack."""

from __future__ import annotations

from decimal import Decimal

import pytest

from local.cli.funding import Funding, fund_user
from tests.api_client import ApiClient
from tests.helpers import sign_in


@pytest.fixture
def depositor(api_client: ApiClient) -> tuple[str, str]:
    """A signed-in user whose server wallet holds 100 USDC and no ETH (the funder pays the gas)."""
    user_id = sign_in(api_client.stack, "dep")
    fund_user({"anvil": api_client.stack.url("anvil")}, user_id, Funding(usdc=Decimal(100)))
    return user_id, api_client.get("/wallets/server", user=user_id).json()["evm_address"]
