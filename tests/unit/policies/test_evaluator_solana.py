"""Solana conditions per instruction, on real solders-built transactions."""

from __future__ import annotations

import base64

import pytest
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from basis.policies.evaluator import evaluate
from basis.policies.rules import build_solana_policy
from basis.policies.settings import PolicySettings
from tests.unit.policies.requests_factory import (
    WALLET,
    compute_limit,
    program_call,
    sol_transfer,
    solana_tx,
    token_transfer,
    transfer_checked,
)

POLICY = build_solana_policy(PolicySettings())
ASGARD = Keypair().pubkey()
WITH_ASGARD = build_solana_policy(PolicySettings(asgard_program_id=str(ASGARD)))
SOL_CAP = 10 * 10**9
SPL_CAP = 25_000 * 10**6
TOKEN_2022 = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")

CASES = [
    (
        "SOL transfer under the cap",
        POLICY,
        (compute_limit(), sol_transfer(10**9)),
        True,
        "known Solana programs",
    ),
    ("SOL transfer at the cap", POLICY, (sol_transfer(SOL_CAP),), True, "known Solana programs"),
    (
        "SOL transfer over the cap",
        POLICY,
        (compute_limit(), sol_transfer(SOL_CAP + 1)),
        False,
        "SOL transfers",
    ),
    ("TransferChecked at the cap", POLICY, (transfer_checked(SPL_CAP),), True, "known Solana programs"),
    ("TransferChecked over the cap", POLICY, (transfer_checked(SPL_CAP + 1),), False, "TransferChecked"),
    (
        "Token-2022 TransferChecked over the cap",
        POLICY,
        (transfer_checked(SPL_CAP + 1, program=TOKEN_2022),),
        False,
        "TransferChecked",
    ),
    ("unchecked Transfer over the cap", POLICY, (token_transfer(SPL_CAP + 1),), False, "SPL Transfer"),
    ("unknown program", POLICY, (program_call(Keypair().pubkey()),), False, None),
    (
        "one unknown program among known ones",
        POLICY,
        (compute_limit(), sol_transfer(1), program_call(Keypair().pubkey())),
        False,
        None,
    ),
    (
        "Asgard program without configuration (G1)",
        POLICY,
        (compute_limit(), program_call(ASGARD)),
        False,
        None,
    ),
    (
        "Asgard program once configured",
        WITH_ASGARD,
        (compute_limit(), program_call(ASGARD)),
        True,
        "known Solana programs",
    ),
    (
        "over-cap transfer next to Asgard",
        WITH_ASGARD,
        (program_call(ASGARD), sol_transfer(SOL_CAP + 1)),
        False,
        "SOL transfers",
    ),
    ("no instructions", POLICY, (), False, None),
]


@pytest.mark.parametrize("method", ["signTransaction", "signAndSendTransaction"])
@pytest.mark.parametrize(
    ("body", "instructions", "allowed", "rule_fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_solana_policy(
    method: str, body: dict, instructions: tuple, allowed: bool, rule_fragment: str | None
) -> None:
    decision = evaluate(body, method, solana_tx(*instructions), wallet=str(WALLET.pubkey()))
    assert decision.allowed is allowed, decision.reason
    if rule_fragment is None:
        assert decision.rule is None
    else:
        assert decision.rule is not None and rule_fragment in decision.rule and method in decision.rule


def test_denial_names_the_offending_instruction() -> None:
    decision = evaluate(POLICY, "signTransaction", solana_tx(compute_limit(), sol_transfer(SOL_CAP + 1)))
    assert "instruction #1 (11111111111111111111111111111111.Transfer)" in decision.reason


def _v0_with_recipient_in_lookup_table(lamports: int) -> dict:
    recipient, table = Keypair().pubkey(), Keypair().pubkey()
    ix = transfer(TransferParams(from_pubkey=WALLET.pubkey(), to_pubkey=recipient, lamports=lamports))
    lookup = AddressLookupTableAccount(table, [recipient])
    message = MessageV0.try_compile(WALLET.pubkey(), [ix], [lookup], Hash.default())
    raw = bytes([1]) + bytes(64) + to_bytes_versioned(message)
    return {"transaction": base64.b64encode(raw).decode(), "encoding": "base64"}


def test_v0_transaction_with_lookup_table() -> None:
    assert evaluate(POLICY, "signTransaction", _v0_with_recipient_in_lookup_table(5)).allowed
    assert not evaluate(POLICY, "signTransaction", _v0_with_recipient_in_lookup_table(SOL_CAP + 1)).allowed
    recipient_rule = {
        "name": "deny-recipient",
        "method": "signTransaction",
        "action": "DENY",
        "conditions": [
            {
                "field_source": "solana_system_program_instruction",
                "field": "Transfer.to",
                "operator": "eq",
                "value": str(WALLET.pubkey()),
            }
        ],
    }
    body = {**POLICY, "rules": [*POLICY["rules"], recipient_rule]}
    decision = evaluate(body, "signTransaction", _v0_with_recipient_in_lookup_table(5))
    assert not decision.allowed and "address lookup table" in decision.reason


@pytest.mark.parametrize(
    "params",
    [
        {"transaction": "not base64!", "encoding": "base64"},
        {"transaction": base64.b64encode(b"\x01\x02").decode(), "encoding": "base64"},
        {"transaction": solana_tx(sol_transfer(1))["transaction"], "encoding": "hex"},
    ],
)
def test_unreadable_transaction_is_denied(params: dict) -> None:
    decision = evaluate(POLICY, "signTransaction", params)
    assert not decision.allowed and "malformed request" in decision.reason


def test_instruction_name_and_mint_fields() -> None:
    rule = {
        "name": "only-usdc-checked",
        "method": "signTransaction",
        "action": "ALLOW",
        "conditions": [
            {
                "field_source": "solana_token_program_instruction",
                "field": "instructionName",
                "operator": "eq",
                "value": "TransferChecked",
            },
            {
                "field_source": "solana_token_program_instruction",
                "field": "TransferChecked.mint",
                "operator": "eq",
                "value": PolicySettings().solana_usdc_mint,
            },
        ],
    }
    body = {"version": "1.0", "name": "p", "chain_type": "solana", "rules": [rule]}
    assert evaluate(body, "signTransaction", solana_tx(transfer_checked(5))).allowed
    assert not evaluate(body, "signTransaction", solana_tx(token_transfer(5))).allowed
    assert not evaluate(body, "signTransaction", solana_tx(sol_transfer(5))).allowed


def test_sign_message_is_default_denied() -> None:
    decision = evaluate(
        POLICY, "signMessage", {"message": base64.b64encode(b"hi").decode(), "encoding": "base64"}
    )
    assert not decision.allowed and decision.rule is None
