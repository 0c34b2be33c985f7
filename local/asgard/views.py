"""Read-only answers in Asgard's shapes: the markets and the refreshed margin accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from local.asgard.book import ACTIVE, PROTOCOLS, SOL_MINT, USDC_MINT, Position
from local.asgard.errors import BadRequestError
from local.asgard.state import AsgardState


def markets(state: AsgardState) -> dict[str, Any]:
    sources = []
    for protocol, terms in state.terms.items():
        bank_a, bank_b = state.banks[protocol]
        sources.append(
            {
                "lendingProtocol": protocol,
                "isActive": True,
                "marketKey": f"{PROTOCOLS[protocol]} Main Market",
                "tokenABank": bank_a,
                "tokenBBank": bank_b,
                "longMaxLeverage": float(terms.max_leverage),
                "shortMaxLeverage": 0,
                "tokenAMaxDepositCapacity": "1000000000000000",
                "tokenAMaxBorrowCapacity": "0",
                "tokenBMaxDepositCapacity": "100000000000000",
                "tokenBMaxBorrowCapacity": "10000000000000",
                "tokenALendingApyRate": 0.0,
                "tokenABorrowingApyRate": 0.0,
                "tokenBLendingApyRate": float(terms.lending_apy),
                "tokenBBorrowingApyRate": float(terms.borrow_apy),
                "tokenAOracle": {"priceUSD": str(state.price)},
                "tokenBOracle": {"priceUSD": "1"},
                "tokenARewardAPY": [],
                "tokenBRewardAPY": [],
                "maintenanceWeight": str(terms.maintenance_weight),
                "programId": state.program_id,
            }
        )
    strategy = {
        "name": "SOL/USDC",
        "description": "Leveraged SOL against borrowed USDC",
        "tokenAMint": SOL_MINT,
        "tokenBMint": USDC_MINT,
        "market": ["MARGIN"],
        "tag": ["TRADING"],
        "liquiditySources": sources,
    }
    return {"strategies": {"SOL/USDC": strategy}, "totalStrategies": 1}


def _margin_account(state: AsgardState, position: Position) -> dict[str, Any]:
    bank_a, bank_b = state.banks[position.protocol]
    active = position.state == ACTIVE
    balances = [
        {
            bank_a: {
                "mint": SOL_MINT,
                "assetsQt": float(Decimal(position.size).scaleb(-9)) if active else 0,
                "liabsQt": 0,
                "assetsUsd": float(Decimal(position.value(state.price)).scaleb(-6)),
            }
        },
        {
            bank_b: {
                "mint": USDC_MINT,
                "assetsQt": 0,
                "liabsQt": float(Decimal(position.debt).scaleb(-6)) if active else 0,
            }
        },
    ]
    return {
        "accountAddress": position.pda,
        "authority": position.owner,
        "summary": {
            "healthFactor": float(position.health_factor(state.price)) if active else 0,
            "booksAndBalances": {"balances": balances},
        },
        "liquidationEvents": list(position.liquidation_events),
    }


def refreshed(state: AsgardState, refresh: dict[str, Any]) -> dict[str, Any]:
    """``refresh-positions``: the margin account of each ``{protocol, positionPDA}`` asked for."""
    wanted = refresh.get("positionPDAs")
    if not isinstance(wanted, list):
        raise BadRequestError("positionPDAs must be a list of {protocol, positionPDA}")
    answer: dict[str, Any] = {}
    with state.lock:
        for item in wanted:
            position = state.position(item.get("positionPDA") if isinstance(item, dict) else None)
            answer[position.pda] = _margin_account(state, position)
    return {"positions": answer}
