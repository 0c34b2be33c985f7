"""What a request moves, decoded from its rpc params: the amounts the strict caps reserve."""

from __future__ import annotations

from typing import Any

from basis.signing.moved import spend_of
from tests.unit.policies.requests_factory import (
    BRIDGE,
    RANDOM_ADDRESS,
    USDC,
    compute_limit,
    deposit,
    evm_tx,
    hl_order_typed_data,
    sol_transfer,
    solana_tx,
    token_transfer,
    transfer_checked,
)


def evm(method: str, params: dict[str, Any]) -> dict[str, int]:
    return spend_of(method, params, usdc_address=USDC)


def test_usdc_transfer_to_the_bridge_counts_its_amount_for_both_evm_methods() -> None:
    assert evm("eth_signTransaction", deposit(2_000_000_000)) == {"USDC": 2_000_000_000}
    assert evm("eth_sendTransaction", deposit(7)) == {"USDC": 7}


def test_usdc_contract_is_matched_case_insensitively_and_any_recipient_counts() -> None:
    assert evm("eth_signTransaction", deposit(5, to=USDC.lower(), recipient=RANDOM_ADDRESS)) == {"USDC": 5}


def test_other_contracts_plain_eth_and_typed_data_move_no_capped_asset() -> None:
    assert evm("eth_signTransaction", deposit(5, to=RANDOM_ADDRESS, recipient=BRIDGE)) == {}
    assert evm("eth_signTransaction", evm_tx(RANDOM_ADDRESS, value=10**18)) == {}
    assert evm("eth_signTypedData_v4", hl_order_typed_data()) == {}
    assert evm("eth_signTransaction", {"transaction": "junk"}) == {}


def test_solana_sums_sol_and_spl_per_asset_across_instructions() -> None:
    params = solana_tx(
        compute_limit(), sol_transfer(1_500), sol_transfer(500), transfer_checked(10), token_transfer(32)
    )
    assert evm("signTransaction", params) == {"SOL": 2_000, "SPL": 42}
    assert evm("signAndSendTransaction", solana_tx(transfer_checked(9))) == {"SPL": 9}


def test_solana_without_transfers_or_unreadable_moves_nothing() -> None:
    assert evm("signTransaction", solana_tx(compute_limit())) == {}
    assert evm("signTransaction", {"transaction": "not base64!", "encoding": "base64"}) == {}


def test_only_what_the_signing_wallet_sends_counts_against_its_cap() -> None:
    from solders.keypair import Keypair

    from tools import policy_requests as build

    wallet, venue = Keypair().pubkey(), Keypair().pubkey()
    params = build.solana_tx(
        build.transfer_checked(7, wallet),
        build.transfer_checked(1_000, venue),
        build.sol_transfer(5, wallet),
        payer=wallet,
    )
    assert spend_of("signTransaction", params, usdc_address=USDC, wallet=str(wallet)) == {"SPL": 7, "SOL": 5}
    assert spend_of("signTransaction", params, usdc_address=USDC) == {"SPL": 1_007, "SOL": 5}


def test_a_hyperliquid_withdrawal_counts_against_the_usdc_cap() -> None:
    from tools import policy_requests as build

    withdraw = build.hl_user_action_typed_data("withdraw3")  # amount "10"
    assert spend_of("eth_signTypedData_v4", withdraw, usdc_address=USDC) == {"USDC": 10_000_000}
    order = build.hl_order_typed_data()
    assert spend_of("eth_signTypedData_v4", order, usdc_address=USDC) == {}


def test_only_the_usdc_mint_counts_as_spl() -> None:
    from solders.keypair import Keypair

    from tools import policy_requests as build

    wallet = Keypair().pubkey()
    params = build.solana_tx(build.transfer_checked(7, wallet), payer=wallet)
    assert spend_of("signTransaction", params, usdc_address=USDC) == {"SPL": 7}
    other = Keypair().pubkey()
    assert spend_of("signTransaction", params, usdc_address=USDC, solana_usdc_mint=str(other)) == {}
