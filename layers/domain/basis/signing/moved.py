"""How much a signing request moves, per capped asset, decoded from the rpc params themselves.

* EVM ``eth_signTransaction`` / ``eth_sendTransaction`` to the USDC contract: the ERC-20
  ``transfer`` / ``transferFrom`` amount -> ``USDC`` (every USDC transfer counts, whatever its
  destination; the policy only lets the bridge receive one).
* Hyperliquid ``withdraw3`` (EIP-712 ``HyperliquidTransaction:Withdraw``): its amount -> ``USDC``
  (money leaving Hyperliquid counts like money entering it).
* Solana ``signTransaction`` / ``signAndSendTransaction``: the lamports of every System
  instruction that moves some (``Transfer``, ``TransferWithSeed``, ``CreateAccount``,
  ``CreateAccountWithSeed``, ``CreateAccountAllowPrefund``, ``WithdrawNonceAccount``) -> ``SOL``;
  SPL ``Transfer`` / ``TransferChecked`` amounts -> ``SPL`` (summed over the top-level
  instructions; only the USDC mint's ``TransferChecked``, and unchecked ``Transfer`` whose mint is
  unknown, so amounts of different decimals are never added up). Given the signing ``wallet``,
  only what it sends counts (the account whose signature releases the lamports, or the transfer's
  ``authority``, is the wallet): a venue paying the user in the same transaction is not the
  user's spend. Moves made by CPI inside an allowed program are not seen (see
  ``basis.policies.solana_instructions``).

Unreadable params move nothing here: the evaluator (preflight) and Privy refuse them.
"""

from __future__ import annotations

from typing import Any

from basis.chains.amounts import USDC_DECIMALS, AmountError, to_base_units
from basis.chains.solana import TOKEN_PROGRAMS, USDC_MINT
from basis.policies.requests import EvmTransaction, MalformedRequestError

EVM_TX_METHODS = frozenset({"eth_signTransaction", "eth_sendTransaction"})
SOLANA_TX_METHODS = frozenset({"signTransaction", "signAndSendTransaction"})

_ERC20_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "transfer",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
    },
    {
        "type": "function",
        "name": "transferFrom",
        "inputs": [
            {"name": "from", "type": "address"},
            {"name": "to", "type": "address"},
            {"name": "amount", "type": "uint256"},
        ],
    },
]


def spend_of(
    method: str,
    params: dict[str, Any],
    *,
    usdc_address: str,
    wallet: str | None = None,
    solana_usdc_mint: str = USDC_MINT,
) -> dict[str, int]:
    """Base units moved per asset (``USDC`` / ``SOL`` / ``SPL``); only positive amounts appear."""
    if method in EVM_TX_METHODS:
        return _evm_spend(params, usdc_address)
    if method == "eth_signTypedData_v4":
        return _withdrawal_spend(params)
    if method in SOLANA_TX_METHODS:
        return _solana_spend(params, wallet, solana_usdc_mint)
    return {}


def _withdrawal_spend(params: dict[str, Any]) -> dict[str, int]:
    typed = params.get("typed_data") or {}
    primary = typed.get("primary_type") or typed.get("primaryType")
    if primary != "HyperliquidTransaction:Withdraw":
        return {}
    try:  # what is finer than a base unit is dropped, as before it reaches the chain
        amount = to_base_units(typed["message"]["amount"], USDC_DECIMALS, exact=False)
    except (KeyError, TypeError, AmountError):
        return {}
    return {"USDC": amount} if amount > 0 else {}


def _evm_spend(params: dict[str, Any], usdc_address: str) -> dict[str, int]:
    try:
        tx = EvmTransaction(params)
    except MalformedRequestError:
        return {}
    if not tx.to or tx.to.lower() != usdc_address.lower():
        return {}
    for function in ("transfer", "transferFrom"):
        amount = tx.calldata_field(_ERC20_ABI, f"{function}.amount")
        if isinstance(amount, int) and amount > 0:
            return {"USDC": amount}
    return {}


def _solana_spend(params: dict[str, Any], wallet: str | None, usdc_mint: str) -> dict[str, int]:
    from basis.policies.solana_instructions import decode_transaction

    try:
        instructions = decode_transaction(params)
    except MalformedRequestError:
        return {}
    totals = {"SOL": 0, "SPL": 0}
    for ix in instructions:
        move = ix.lamport_move()
        if move is not None and (wallet is None or move.signer in (None, wallet)):
            totals["SOL"] += move.lamports
        if ix.program_id in TOKEN_PROGRAMS:
            for name in ("Transfer", "TransferChecked"):
                amount = ix.fields.get(f"{name}.amount")
                authority = ix.fields.get(f"{name}.authority")
                mint = ix.fields.get(f"{name}.mint", usdc_mint)  # unchecked Transfer: mint unknown
                if (
                    isinstance(amount, int)
                    and mint == usdc_mint
                    and (wallet is None or authority in (None, wallet))
                ):
                    totals["SPL"] += amount
    return {asset: amount for asset, amount in totals.items() if amount > 0}
