"""Response parsing for the Solana and Asgard clients on payloads with the real APIs' documented
fields, and the simulator's position arithmetic."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from basis.venues.asgard.client import AsgardPosition, PositionHealth
from basis.venues.solana.client import (
    SolanaClient,
    SolanaRpcError,
    TransactionFailedError,
    parse_token_accounts,
)
from local.asgard.book import DEFAULT_TERMS, Position, opening, value_of

USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SOL_MINT = "So11111111111111111111111111111111111111112"


def test_a_documented_margin_positions_record_parses_without_the_simulator_extras() -> None:
    record = {
        "id": 7,
        "ownerAddress": "Owner111",
        "positionPda": "Pda111",
        "protocol": 1,
        "state": 0,
        "tokenATokenMint": SOL_MINT,
        "tokenBTokenMint": USDC_MINT,
        "leverage": "2.5",
        "tokenAEntryPriceUSD": "151.25",
        "tokenBEntryPriceUSD": "1",
        "openTxHash": "sig",
        "openedAt": "2026-01-01T00:00:00Z",
    }
    position = AsgardPosition.parse(record)
    assert position.active and position.status == "active" and position.protocol == 1
    assert position.leverage == Decimal("2.5") and position.entry_price == Decimal("151.25")
    assert position.debt is None and position.health_factor is None and position.open_tx == "sig"


def test_refresh_positions_health_reads_health_factor_and_books_for_bank_and_drift_keys() -> None:
    entry = {
        "accountAddress": "Pda",
        "authority": "Owner",
        "summary": {
            "healthFactor": 40.94,
            "booksAndBalances": {
                "balances": [
                    {"0": {"mint": SOL_MINT, "assetsQt": 5.5, "liabsQt": 0}},
                    {"1": {"mint": USDC_MINT, "assetsQt": 0, "liabsQt": 400.25, "liabsUsd": 400.25}},
                ]
            },
        },
        "liquidationEvents": [],
    }
    health = PositionHealth.parse("Pda", entry)
    assert health.health_factor == Decimal("40.94")
    assert (health.assets_qt, health.liabs_qt, health.liquidated) == (
        Decimal("5.5"),
        Decimal("400.25"),
        False,
    )
    liquidated: dict[str, Any] = {**entry, "liquidationEvents": [{"price": "100"}]}
    assert PositionHealth.parse("Pda", liquidated).liquidated


def test_token_accounts_by_owner_json_parsed_sums_raw_amounts() -> None:
    def account(pubkey: str, amount: str) -> dict[str, Any]:
        return {
            "pubkey": pubkey,
            "account": {
                "data": {
                    "program": "spl-token",
                    "parsed": {
                        "type": "account",
                        "info": {
                            "mint": USDC_MINT,
                            "owner": "O",
                            "tokenAmount": {
                                "amount": amount,
                                "decimals": 6,
                                "uiAmount": 0.1,
                                "uiAmountString": "0.1",
                            },
                        },
                    },
                }
            },
        }

    result = {"context": {"slot": 1}, "value": [account("A", "100000"), account("B", "18446744073709551615")]}
    parsed = parse_token_accounts(result)
    assert [a.amount for a in parsed] == [100000, 2**64 - 1] and parsed[0].decimals == 6


class FakeRpc:
    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(body)
        return self.answers.pop(0)


def test_an_rpc_error_answer_raises_with_its_code_and_data() -> None:
    rpc = FakeRpc(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "error": {"code": -32002, "message": "Transaction simulation failed", "data": {"logs": ["x"]}},
        }
    )
    with pytest.raises(SolanaRpcError) as failed:
        SolanaClient("x", transport=rpc).send_transaction("AAAA")
    assert failed.value.code == -32002 and failed.value.data == {"logs": ["x"]}
    assert rpc.calls[0]["method"] == "sendTransaction" and rpc.calls[0]["params"][1]["encoding"] == "base64"


def test_confirm_waits_for_confirmation_and_raises_on_an_on_chain_error() -> None:
    def status(value: Any) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": 1, "result": {"context": {"slot": 1}, "value": [value]}}

    ok = {"slot": 3, "confirmations": 0, "err": None, "confirmationStatus": "confirmed"}
    rpc = FakeRpc(status(None), status({**ok, "confirmationStatus": "processed"}), status(ok))
    assert SolanaClient("x", transport=rpc).confirm("sig", sleep=lambda s: None)["slot"] == 3
    assert len(rpc.calls) == 3
    failed = FakeRpc(status({**ok, "err": {"InstructionError": [0, {"Custom": 1}]}}))
    with pytest.raises(TransactionFailedError):
        SolanaClient("x", transport=failed).confirm("sig", sleep=lambda s: None)
    never = FakeRpc(*[status(None)] * 3)
    with pytest.raises(TimeoutError):
        SolanaClient("x", transport=never).confirm("sig", timeout=0, sleep=lambda s: None)


def test_a_3x_long_books_debt_size_health_and_interest_in_base_units() -> None:
    size, debt = opening(300_000_000, Decimal(3), Decimal(150))
    assert (size, debt) == (6_000_000_000, 600_000_000)
    position = Position(
        1, "pda", "owner", 0, Decimal(3), 300_000_000, size, debt, Decimal(150), DEFAULT_TERMS[0]
    )
    assert position.health_factor(Decimal(150)) == Decimal("25.92")
    assert position.collateral_ratio(Decimal(150)) == Decimal("1.5")
    assert position.accrue(Decimal(24)) == 131_506 and position.debt == 600_131_506
    assert position.equity(Decimal(165)) == 990_000_000 - 600_131_506
    assert not position.liquidatable(Decimal(112)) and position.liquidatable(Decimal(111))
    assert position.equity(Decimal(50)) == 0  # never negative: the venue absorbs bad debt
    assert value_of(1, Decimal("150")) == 0  # rounding is in the venue's favour
