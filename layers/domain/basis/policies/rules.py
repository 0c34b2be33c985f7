"""The shared Privy policy bodies, exactly as ``POST /v1/policies`` (``client.policies.create``) takes them.

Shape rules learned against the real API (seed 1.4a, G20-G27) are built in: never a condition-less
``DENY`` (it overrides every ALLOW), every ``eth_signTransaction`` rule has conditions,
``ethereum_transaction`` conditions use only ``to``/``value``, calldata fields are
``function.argument`` with the ABI as a list, and every value is a string. A condition may compare
with ``{{wallet.address}}``, Privy's template variable for the wallet signing the request (one
shared policy, each wallet's own address).
"""

from __future__ import annotations

import logging
from typing import Any

from basis.chains.amounts import lamports, to_base_units, usdc_base_units
from basis.policies.evaluator import WALLET_ADDRESS
from basis.policies.settings import PolicySettings

log = logging.getLogger(__name__)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

ERC20_TRANSFER_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "transfer",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    }
]

# EIP-712 struct definitions the official Hyperliquid SDK signs (hyperliquid.utils.signing).
# usdSend is deliberately absent: a shared policy cannot restrict its destination (any Hyperliquid
# account), and the product never needs it; withdraw3 pays out to an address the signer checks.
HL_AGENT_TYPES = [{"name": "source", "type": "string"}, {"name": "connectionId", "type": "bytes32"}]
_HL_TRANSFER_TYPES = [
    {"name": "hyperliquidChain", "type": "string"},
    {"name": "destination", "type": "string"},
    {"name": "amount", "type": "string"},
    {"name": "time", "type": "uint64"},
]
HL_USER_ACTION_TYPES: dict[str, list[dict[str, str]]] = {
    "HyperliquidTransaction:Withdraw": _HL_TRANSFER_TYPES,
    "HyperliquidTransaction:UsdClassTransfer": [
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "amount", "type": "string"},
        {"name": "toPerp", "type": "bool"},
        {"name": "nonce", "type": "uint64"},
    ],
}
HL_ACTION_NAMES = {
    "HyperliquidTransaction:Withdraw": "withdraw3",
    "HyperliquidTransaction:UsdClassTransfer": "usdClassTransfer",
}

EVM_TX_METHODS = ("eth_signTransaction", "eth_sendTransaction")
SOLANA_TX_METHODS = ("signTransaction", "signAndSendTransaction")


def _cond(
    field_source: str, field: str, operator: str, value: str | list[str], **extra: Any
) -> dict[str, Any]:
    return {"field_source": field_source, "field": field, "operator": operator, "value": value, **extra}


def _rule(name: str, method: str, action: str, conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "method": method, "conditions": conditions, "action": action}


def _domain(chain_id: int) -> list[dict[str, Any]]:
    return [
        _cond("ethereum_typed_data_domain", "chainId", "eq", str(chain_id)),
        _cond("ethereum_typed_data_domain", "verifyingContract", "eq", ZERO_ADDRESS),
    ]


def _message(
    primary_type: str, struct: list[dict[str, str]], field: str, values: list[str]
) -> dict[str, Any]:
    typed_data = {"primary_type": primary_type, "types": {primary_type: struct}}
    return _cond("ethereum_typed_data_message", field, "in", values, typed_data=typed_data)


def usdc_transfer_rules(
    settings: PolicySettings, name: str, operator: str, recipients: str | list[str]
) -> list[dict[str, Any]]:
    """ALLOW a USDC ``transfer`` whose ``to`` is ``operator`` ``recipients`` (``eq`` one address,
    ``in`` a list), within ``MAX_USDC_PER_TX``: one rule per transaction method."""
    cap = str(usdc_base_units(settings.max_usdc_per_tx))
    return [
        _rule(
            f"{name} ({method})",
            method,
            "ALLOW",
            [
                _cond("ethereum_transaction", "to", "eq", settings.arbitrum_usdc_address),
                _cond("ethereum_calldata", "transfer.to", operator, recipients, abi=ERC20_TRANSFER_ABI),
                _cond("ethereum_calldata", "transfer.amount", "lte", cap, abi=ERC20_TRANSFER_ABI),
            ],
        )
        for method in EVM_TX_METHODS
    ]


def build_evm_policy(settings: PolicySettings) -> dict[str, Any]:
    """USDC into Hyperliquid's bridge (capped), Hyperliquid typed data, and nothing else."""
    rules = usdc_transfer_rules(
        settings, "Allow USDC deposit to Hyperliquid bridge", "eq", settings.hyperliquid_bridge_address
    )
    # L1 actions (orders, cancels, leverage) sign a phantom agent: domain "Exchange", chain 1337.
    # Privy's domain conditions see chainId and verifyingContract (not the name), so the rule pins
    # those and the primary type "Agent" with its exact struct.
    rules.append(
        _rule(
            "Allow Hyperliquid Exchange L1 actions (EIP-712 phantom agent)",
            "eth_signTypedData_v4",
            "ALLOW",
            [
                *_domain(settings.hyperliquid_exchange_chain_id),
                _message("Agent", HL_AGENT_TYPES, "source", ["a", "b"]),
            ],
        )
    )
    # User-signed actions: domain "HyperliquidSignTransaction", one rule per allowed action type.
    for primary_type, struct in HL_USER_ACTION_TYPES.items():
        rules.append(
            _rule(
                f"Allow Hyperliquid user action {HL_ACTION_NAMES[primary_type]} (EIP-712)",
                "eth_signTypedData_v4",
                "ALLOW",
                [
                    *_domain(settings.hyperliquid_signature_chain_id),
                    _message(primary_type, struct, "hyperliquidChain", ["Mainnet", "Testnet"]),
                ],
            )
        )
    for method in EVM_TX_METHODS:
        rules.append(
            _rule(
                f"Deny native ETH transfers ({method})",
                method,
                "DENY",
                [_cond("ethereum_transaction", "value", "gt", "0")],
            )
        )
    return {"version": "1.0", "name": settings.evm_policy_name, "chain_type": "ethereum", "rules": rules}


# Token instructions that hand the wallet's tokens or accounts to someone else: a delegate may
# spend without the wallet's signature, a new owner or close authority owns the account.
SPL_HANDOVERS = ["Approve", "ApproveChecked", "SetAuthority"]
# System instructions that give the wallet's account to another program, which may then debit it.
SYSTEM_HANDOVERS = ["Assign", "AssignWithSeed"]


def build_solana_policy(settings: PolicySettings) -> dict[str, Any]:
    """Known programs only (every instruction); per-transfer caps on SOL and on the SPL amounts the
    wallet sends; no SPL delegation or authority change and no System account reassignment.

    What Privy's conditions cannot express (lamports of System instructions other than
    ``Transfer``, a ``CloseAccount`` receiver that must be the wallet, Token-2022 extensions) the
    signer's preflight enforces on its local copy (``basis.policies.solana_local``).
    """
    if not settings.asgard_program_id:
        log.warning(
            "BASIS_ASGARD_PROGRAM_ID is unset: the Solana policy leaves Asgard's program out "
            "(G1), so Asgard position transactions will be denied until it is configured"
        )
    programs = settings.allowed_solana_programs()
    max_lamports = str(lamports(settings.max_sol_per_tx))
    max_spl = str(to_base_units(settings.max_spl_per_tx, settings.spl_cap_decimals))
    system, token = "solana_system_program_instruction", "solana_token_program_instruction"
    # The unchecked Transfer moves the same tokens as TransferChecked, so it is capped too. The SPL
    # caps apply to what the wallet sends ({{wallet.address}} is the authority): a venue paying the
    # user in the same transaction (an Asgard close) is not held to the user's per-transfer cap.
    denials = [
        ("Deny SOL transfers over the cap", [_cond(system, "Transfer.lamports", "gt", max_lamports)]),
        *(
            (
                f"Deny SPL {name} over the cap from the wallet",
                [
                    _cond(token, f"{name}.amount", "gt", max_spl),
                    _cond(token, f"{name}.authority", "eq", WALLET_ADDRESS),
                ],
            )
            for name in ("TransferChecked", "Transfer")
        ),
        ("Deny SPL delegation and authority changes", [_cond(token, "instructionName", "in", SPL_HANDOVERS)]),
        ("Deny System account reassignment", [_cond(system, "instructionName", "in", SYSTEM_HANDOVERS)]),
    ]
    rules: list[dict[str, Any]] = []
    for method in SOLANA_TX_METHODS:
        allow = [_cond("solana_program_instruction", "programId", "in", programs)]
        rules.append(_rule(f"Allow known Solana programs ({method})", method, "ALLOW", allow))
        for name, conditions in denials:
            rules.append(_rule(f"{name} ({method})", method, "DENY", conditions))
    return {"version": "1.0", "name": settings.solana_policy_name, "chain_type": "solana", "rules": rules}
