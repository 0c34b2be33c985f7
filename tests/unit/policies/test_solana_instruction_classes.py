"""Every Solana instruction class the platform signer may be asked for: what Privy's policy decides
(the evaluator with the signing wallet, as Privy sees it), what the signer's preflight decides on
its local copy (Privy's rules plus the rules only the preflight enforces), and what the request
moves against the daily caps (``basis.signing.moved``).

Caps: 10 SOL and 25,000 USDC per transfer (``PolicySettings`` defaults)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey

from basis.chains import solana
from basis.policies.evaluator import evaluate
from basis.policies.local_copy import decide, for_wallet
from basis.policies.rules import build_solana_policy
from basis.policies.settings import PolicySettings
from basis.signing.moved import spend_of
from tests.unit.policies.requests_factory import USDC, WALLET, compute_limit, solana_tx
from tools import policy_requests as build

SOL, USDC_UNIT = 10**9, 10**6
RENT = 2_039_280  # a token account's rent-exempt minimum
ME = WALLET.pubkey()
VENUE = Keypair().pubkey()  # a venue's vault authority (Asgard paying the user)
OTHER = Keypair().pubkey()
T22 = build.TOKEN_2022_PROGRAM
MEMO = Pubkey.from_string(solana.MEMO_PROGRAM)
MY_ATA = build.create_ata(ME, ME).accounts[1].pubkey
POLICY = build_solana_policy(PolicySettings())
COPY = for_wallet(POLICY, str(ME))

SOL_CAP_RULE = "Deny SOL transfers over the cap"
HANDOVER_RULE = "Deny SPL delegation and authority changes"


@dataclass(frozen=True)
class Case:
    name: str
    instructions: tuple[Instruction, ...]
    privy: str | None  # None: allowed; otherwise a fragment of the denying rule's name
    preflight: str | None
    moved: dict[str, int]


def asgard_close(amount: int) -> tuple[Instruction, ...]:
    """What an Asgard close asks the user to sign: its USDC account created if missing, the vault
    paying the equity back to it (the vault signs its part), a memo."""
    payout = build.transfer_checked(amount, VENUE, destination=MY_ATA)
    return (build.create_ata(ME, ME), payout, build.program_call(MEMO, ME))


CASES = [
    # -- System Program: lamports leaving the wallet -----------------------------------------------
    Case("SOL Transfer 1 SOL", (build.sol_transfer(SOL, ME),), None, None, {"SOL": SOL}),
    Case(
        "SOL Transfer 500 SOL",
        (build.sol_transfer(500 * SOL, ME),),
        SOL_CAP_RULE,
        SOL_CAP_RULE,
        {"SOL": 500 * SOL},
    ),
    Case("CreateAccount for rent", (build.create_account_ix(RENT, ME),), None, None, {"SOL": RENT}),
    Case(
        "CreateAccount with 500 SOL",
        (build.create_account_ix(500 * SOL, ME),),
        None,  # Privy reads lamports of Transfer only
        SOL_CAP_RULE,
        {"SOL": 500 * SOL},
    ),
    Case(
        "CreateAccountWithSeed with 500 SOL (wrapped SOL)",
        (build.create_account_with_seed_ix(500 * SOL, ME),),
        None,
        SOL_CAP_RULE,
        {"SOL": 500 * SOL},
    ),
    Case(
        "CreateAccountAllowPrefund with 500 SOL",
        (build.create_account_allow_prefund_ix(500 * SOL, ME),),
        None,
        SOL_CAP_RULE,
        {"SOL": 500 * SOL},
    ),
    Case("TransferWithSeed 1 SOL", (build.transfer_with_seed_ix(SOL, ME),), None, None, {"SOL": SOL}),
    Case(
        "TransferWithSeed 500 SOL",
        (build.transfer_with_seed_ix(500 * SOL, ME),),
        None,
        SOL_CAP_RULE,
        {"SOL": 500 * SOL},
    ),
    Case(
        "WithdrawNonceAccount 500 SOL",
        (build.withdraw_nonce_ix(500 * SOL, ME),),
        None,
        SOL_CAP_RULE,
        {"SOL": 500 * SOL},
    ),
    Case(
        "Assign (the wallet's account to another program)",
        (build.assign_ix(ME),),
        "System account reassignment",
        "System account reassignment",
        {},
    ),
    # -- SPL Token / Token-2022: delegation and handover -------------------------------------------
    Case("Approve", (build.approve(USDC_UNIT, ME),), HANDOVER_RULE, HANDOVER_RULE, {}),
    Case("Token-2022 Approve", (build.approve(USDC_UNIT, ME, T22),), HANDOVER_RULE, HANDOVER_RULE, {}),
    Case("ApproveChecked", (build.approve_checked(USDC_UNIT, ME),), HANDOVER_RULE, HANDOVER_RULE, {}),
    Case(
        "Token-2022 ApproveChecked",
        (build.approve_checked(USDC_UNIT, ME, T22),),
        HANDOVER_RULE,
        HANDOVER_RULE,
        {},
    ),
    Case("SetAuthority", (build.set_authority(ME),), HANDOVER_RULE, HANDOVER_RULE, {}),
    Case("Token-2022 SetAuthority", (build.set_authority(ME, T22),), HANDOVER_RULE, HANDOVER_RULE, {}),
    # -- SPL CloseAccount: the rent (or a wrapped-SOL balance) goes to its destination -------------
    Case("CloseAccount to the wallet", (build.close_account(ME, ME),), None, None, {}),
    Case("Token-2022 CloseAccount to the wallet", (build.close_account(ME, ME, T22),), None, None, {}),
    Case(
        "CloseAccount to another owner",
        (build.close_account(OTHER, ME),),
        None,
        "CloseAccount pays the wallet",
        {},
    ),
    Case(
        "Token-2022 CloseAccount to another owner",
        (build.close_account(OTHER, ME, T22),),
        None,
        "CloseAccount pays the wallet",
        {},
    ),
    # -- SPL transfers: out of the wallet capped and counted, to the wallet neither ----------------
    Case(
        "TransferChecked 1,000 USDC out",
        (build.transfer_checked(1_000 * USDC_UNIT, ME),),
        None,
        None,
        {"SPL": 1_000 * USDC_UNIT},
    ),
    Case(
        "TransferChecked 30,000 USDC out",
        (build.transfer_checked(30_000 * USDC_UNIT, ME),),
        "TransferChecked over the cap",
        "TransferChecked over the cap",
        {"SPL": 30_000 * USDC_UNIT},
    ),
    Case(
        "Token-2022 TransferChecked 30,000 USDC out",
        (build.transfer_checked(30_000 * USDC_UNIT, ME, program=T22),),
        "TransferChecked over the cap",
        "TransferChecked over the cap",
        {"SPL": 30_000 * USDC_UNIT},
    ),
    Case(
        "unchecked Transfer 30,000 USDC out",
        (build.token_transfer(30_000 * USDC_UNIT, ME),),
        "SPL Transfer over the cap",
        "SPL Transfer over the cap",
        {"SPL": 30_000 * USDC_UNIT},
    ),
    Case(
        "Asgard close paying 1,000,000 USDC to the wallet's ATA",
        asgard_close(1_000_000 * USDC_UNIT),
        None,
        None,
        {},
    ),
    Case(
        "Asgard close next to 30,000 USDC out of the wallet",
        (*asgard_close(1_000_000 * USDC_UNIT), build.transfer_checked(30_000 * USDC_UNIT, ME)),
        "TransferChecked over the cap",
        "TransferChecked over the cap",
        {"SPL": 30_000 * USDC_UNIT},
    ),
    # -- what no Privy field reads ------------------------------------------------------------------
    Case(
        "Token-2022 TransferCheckedWithFee (an extension)",
        (build.transfer_checked_with_fee(30_000 * USDC_UNIT, ME),),
        None,
        "outside the shared Token set",
        {},
    ),
]


@pytest.mark.parametrize("method", ["signTransaction", "signAndSendTransaction"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_instruction_class(case: Case, method: str) -> None:
    params = solana_tx(compute_limit(), *case.instructions)
    for decision, expected in (
        (evaluate(POLICY, method, params, wallet=str(ME)), case.privy),
        (decide(COPY, method, params), case.preflight),
    ):
        assert decision.allowed is (expected is None), decision.reason
        if expected is not None:
            assert decision.rule is not None and expected in decision.rule, decision
    assert spend_of(method, params, usdc_address=USDC, wallet=str(ME)) == case.moved


def test_a_500_sol_create_account_is_refused_naming_the_instruction_and_the_cap() -> None:
    decision = decide(COPY, "signTransaction", solana_tx(build.create_account_ix(500 * SOL, ME)))
    assert decision.rule == f"{SOL_CAP_RULE} (signTransaction)"
    assert "CreateAccount) moves 500000000000 lamports; read as a Transfer" in decision.reason


def test_lamport_moves_another_account_signs_for_are_capped_but_not_the_wallets_spend() -> None:
    params = solana_tx(build.create_account_ix(500 * SOL, OTHER), build.transfer_with_seed_ix(SOL, OTHER))
    assert spend_of("signTransaction", params, usdc_address=USDC, wallet=str(ME)) == {}
    assert spend_of("signTransaction", params, usdc_address=USDC) == {"SOL": 501 * SOL}
    assert decide(COPY, "signTransaction", params).rule == f"{SOL_CAP_RULE} (signTransaction)"


def test_a_bare_body_without_its_wallet_fails_closed_where_the_wallet_matters() -> None:
    over = solana_tx(build.transfer_checked(30_000 * USDC_UNIT, ME))
    for decision in (evaluate(POLICY, "signTransaction", over), decide(POLICY, "signTransaction", over)):
        assert not decision.allowed and "signing wallet is not known" in decision.reason
    payout = solana_tx(*asgard_close(1_000_000 * USDC_UNIT))
    assert not evaluate(POLICY, "signTransaction", payout).allowed
    close = decide(POLICY, "signTransaction", solana_tx(build.close_account(ME, ME)))
    assert not close.allowed and "unknown" in close.reason
    under = solana_tx(build.transfer_checked(USDC_UNIT, ME))  # the amount decides: no wallet needed
    assert decide(POLICY, "signTransaction", under).allowed


def test_a_closed_account_paid_to_a_lookup_table_account_is_refused() -> None:
    hidden = Keypair().pubkey()
    table = AddressLookupTableAccount(Keypair().pubkey(), [hidden])
    message = MessageV0.try_compile(ME, [build.close_account(hidden, ME)], [table], Hash.default())
    params = {"transaction": base64.b64encode(bytes([1]) + bytes(64) + to_bytes_versioned(message)).decode()}
    decision = decide(COPY, "signTransaction", params)
    assert not decision.allowed and "address lookup table" in decision.reason


def test_the_copy_is_the_privy_body_plus_its_wallet() -> None:
    assert for_wallet(POLICY, str(ME))["wallet"] == {"address": str(ME)}
    assert {k: v for k, v in COPY.items() if k != "wallet"} == POLICY
    assert "wallet" not in POLICY
