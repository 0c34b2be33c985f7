"""``GET /api/v1/balances`` on the local stack: a funded user's balances on Arbitrum (anvil), Solana
(LiteSVM) and Hyperliquid (the simulator), each with its source and time; a venue that fails gives
its entries an error, not a 500; a caller who never signed in gets 404."""

from __future__ import annotations

from decimal import Decimal

import pytest

from basis.venues.hyperliquid.trader import HyperliquidTrader
from local.cli.funding import Funding, fund_user
from tests.api_client import ApiClient, new_user_id
from tests.helpers import sign_in


def amounts(answer: dict[str, list[dict[str, str]]]) -> dict[tuple[str, str], str | None]:
    return {(b["venue"], b["asset"]): b["amount"] for b in answer["balances"]}


def test_a_funded_users_balances_on_each_venue(
    api_client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = sign_in(api_client.stack, "balances")
    urls = {name: api_client.stack.url(name) for name in ("anvil", "solana")}
    fund_user(
        urls,
        user_id,
        Funding(usdc=Decimal(100), eth=Decimal("0.01"), sol=Decimal(1), solana_usdc=Decimal(50)),
    )

    answer = api_client.get("/balances", user=user_id)

    assert answer.status_code == 200, answer.text
    found = amounts(answer.json())
    assert Decimal(str(found["arbitrum", "USDC"])) == 100 and Decimal(
        str(found["arbitrum", "ETH"])
    ) == Decimal("0.01")
    assert Decimal(str(found["solana", "USDC"])) == 50 and Decimal(str(found["solana", "SOL"])) == 1
    assert Decimal(str(found["hyperliquid", "account_value"])) == 0
    assert Decimal(str(found["hyperliquid", "withdrawable"])) == 0
    for entry in answer.json()["balances"]:
        assert entry["source"] and entry["at"] and entry["error"] is None

    def down(self: HyperliquidTrader) -> None:
        raise ConnectionError("hyperliquid is down")

    monkeypatch.setattr(HyperliquidTrader, "account_state", down)
    partial = api_client.get("/balances", user=user_id)
    assert partial.status_code == 200
    [failed] = [b for b in partial.json()["balances"] if b["venue"] == "hyperliquid"]
    assert failed["amount"] is None and "hyperliquid is down" in failed["error"]
    assert Decimal(str(amounts(partial.json())["arbitrum", "USDC"])) == 100


def test_a_caller_who_never_signed_in_gets_404(api_client: ApiClient) -> None:
    assert api_client.get("/balances", user=new_user_id("never")).status_code == 404
