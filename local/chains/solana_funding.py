"""Credit wallets on the local Solana over JSON-RPC (for ``basis-local fund`` in another process):
SOL by ``requestAirdrop``, USDC by a real ``MintTo`` signed with the local mint authority's key."""

from __future__ import annotations

import base64
from typing import Any

import requests
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from local.chains import solana_spl as spl
from local.chains.solana_ledger import LAMPORTS_PER_SOL, LOCAL_USDC_AUTHORITY, USDC_MINT


class SolanaRpcError(RuntimeError):
    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('message')} ({error.get('code')})")
        self.code, self.data = error.get("code"), error.get("data")


def rpc_call(rpc_url: str, method: str, *params: Any, timeout: float = 10.0) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = requests.post(rpc_url, json=body, timeout=timeout).json()
    if "error" in answer:
        raise SolanaRpcError(method, answer["error"])
    return answer["result"]


def _pubkey(value: Pubkey | str) -> Pubkey:
    return value if isinstance(value, Pubkey) else Pubkey.from_string(value)


def airdrop_sol(rpc_url: str, pubkey: Pubkey | str, lamports: int) -> str:
    """Airdrop ``lamports`` to ``pubkey``; the (landed) transaction signature."""
    if lamports <= 0:
        raise ValueError("lamports must be > 0")
    return str(rpc_call(rpc_url, "requestAirdrop", str(_pubkey(pubkey)), lamports))


def sol_balance(rpc_url: str, owner: Pubkey | str) -> int:
    return int(rpc_call(rpc_url, "getBalance", str(_pubkey(owner)))["value"])


def mint_usdc(
    rpc_url: str,
    owner_pubkey: Pubkey | str,
    amount_base_units: int,
    authority: Keypair = LOCAL_USDC_AUTHORITY,
    mint: Pubkey = USDC_MINT,
) -> str:
    """Mint USDC base units (1 USDC = 1_000_000) to the owner's associated token account, creating
    it if needed, in one transaction paid and signed by the mint authority; its signature."""
    if amount_base_units <= 0:
        raise ValueError("amount must be > 0")
    owner = _pubkey(owner_pubkey)
    if sol_balance(rpc_url, authority.pubkey()) < LAMPORTS_PER_SOL:
        airdrop_sol(rpc_url, authority.pubkey(), 100 * LAMPORTS_PER_SOL)
    instructions = [
        spl.create_ata_idempotent(authority.pubkey(), owner, mint),
        spl.mint_to(mint, spl.associated_token_address(owner, mint), authority.pubkey(), amount_base_units),
    ]
    blockhash = Hash.from_string(rpc_call(rpc_url, "getLatestBlockhash")["value"]["blockhash"])
    tx = Transaction([authority], Message(instructions, authority.pubkey()), blockhash)
    encoded = base64.b64encode(bytes(tx)).decode("ascii")
    return str(rpc_call(rpc_url, "sendTransaction", encoded, {"encoding": "base64"}))


def usdc_balance(rpc_url: str, owner: Pubkey | str, mint: Pubkey = USDC_MINT) -> int:
    """The owner's USDC in base units, summed over its token accounts for the mint."""
    accounts = rpc_call(
        rpc_url,
        "getTokenAccountsByOwner",
        str(_pubkey(owner)),
        {"mint": str(mint)},
        {"encoding": "jsonParsed"},
    )["value"]
    return sum(int(a["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"]) for a in accounts)
