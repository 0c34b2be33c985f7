"""The local Solana JSON-RPC over LiteSVM: real transactions, Solana's response shapes, and
transactions assembled for a remote signer (as Privy signs them)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from local.chains.solana_rpc import TOKEN_PROGRAM, USDC_MINT, SolanaRpc, associated_token_address, b58decode
from local.httpservice import ServedApp

LAMPORTS = 10**9


@pytest.fixture(scope="module")
def chain() -> Iterator[tuple[SolanaRpc, str]]:
    rpc = SolanaRpc()
    served = ServedApp(rpc, 0, "solana").start()
    try:
        yield rpc, served.url
    finally:
        served.stop()


_ids = iter(range(1, 10**9))
_ids_lock = threading.Lock()


def call(url: str, method: str, *params: Any) -> dict[str, Any]:
    with _ids_lock:
        ident = next(_ids)
    body = {"jsonrpc": "2.0", "id": ident, "method": method, "params": list(params)}
    answer = requests.post(url, json=body, timeout=10).json()
    assert answer["id"] == ident
    return dict(answer)


def blockhash(url: str) -> Hash:
    return Hash.from_string(call(url, "getLatestBlockhash")["result"]["value"]["blockhash"])


def send(url: str, tx: Transaction | VersionedTransaction) -> dict[str, Any]:
    return call(url, "sendTransaction", base64.b64encode(bytes(tx)).decode(), {"encoding": "base64"})


def test_sol_transfer_lands_and_balances_move(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    payer, payee = Keypair(), Keypair()
    rpc.airdrop_sol(payer.pubkey(), 2 * LAMPORTS)
    tx = Transaction([payer], Message([transfer(TransferParams(
        from_pubkey=payer.pubkey(), to_pubkey=payee.pubkey(), lamports=LAMPORTS // 2))], payer.pubkey()),
        blockhash(url))
    signature = send(url, tx)["result"]
    assert call(url, "getBalance", str(payee.pubkey()))["result"]["value"] == LAMPORTS // 2
    status = call(url, "getSignatureStatuses", [signature])["result"]["value"][0]
    assert status["confirmationStatus"] == "finalized" and status["err"] is None
    assert call(url, "getTransaction", signature, {"encoding": "base64"})["result"]["meta"]["fee"] == 5000
    assert send(url, tx)["error"]["code"] == -32002  # the same transaction again is refused


def test_spl_transfer_checked_between_associated_accounts(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    alice, bob = Keypair(), Keypair()
    rpc.airdrop_sol(alice.pubkey(), LAMPORTS)
    source = rpc.mint_usdc(alice.pubkey(), 50_000_000)
    destination = rpc.mint_usdc(bob.pubkey(), 0)
    data = bytes([12]) + (20_000_000).to_bytes(8, "little") + bytes([6])
    ix = Instruction(TOKEN_PROGRAM, data, [AccountMeta(source, False, True), AccountMeta(USDC_MINT, False, False),
                                            AccountMeta(destination, False, True),
                                            AccountMeta(alice.pubkey(), True, False)])
    send(url, Transaction([alice], Message([ix], alice.pubkey()), blockhash(url)))
    assert rpc.usdc_balance(alice.pubkey()) == 30_000_000 and rpc.usdc_balance(bob.pubkey()) == 20_000_000
    balance = call(url, "getTokenAccountBalance", str(destination))["result"]["value"]
    assert balance["amount"] == "20000000" and balance["decimals"] == 6
    listed = call(url, "getTokenAccountsByOwner", str(bob.pubkey()), {"mint": str(USDC_MINT)},
                  {"encoding": "jsonParsed"})["result"]["value"]
    assert listed[0]["pubkey"] == str(associated_token_address(bob.pubkey()))
    assert listed[0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"] == "20000000"


def test_a_transaction_signed_remotely_after_null_signer_assembly_is_accepted(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    wallet = Keypair()  # stands in for the Privy-held key
    rpc.airdrop_sol(wallet.pubkey(), LAMPORTS)
    unsigned = Transaction.new_unsigned(Message.new_with_blockhash(
        [transfer(TransferParams(from_pubkey=wallet.pubkey(), to_pubkey=Keypair().pubkey(), lamports=LAMPORTS // 10))],
        wallet.pubkey(), blockhash(url)))
    signed = Transaction.populate(unsigned.message, [wallet.sign_message(bytes(unsigned.message))])
    assert "result" in send(url, signed)


def test_a_bad_signature_is_a_json_rpc_error(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    wallet, impostor = Keypair(), Keypair()
    rpc.airdrop_sol(wallet.pubkey(), LAMPORTS)
    unsigned = Transaction.new_unsigned(Message.new_with_blockhash(
        [transfer(TransferParams(from_pubkey=wallet.pubkey(), to_pubkey=Keypair().pubkey(), lamports=LAMPORTS // 10))],
        wallet.pubkey(), blockhash(url)))
    forged = Transaction.populate(unsigned.message, [impostor.sign_message(bytes(unsigned.message))])
    answer = send(url, forged)
    assert answer["error"]["code"] == -32002 and "Signature" in answer["error"]["message"]


def test_unknown_methods_and_bad_params(chain: tuple[SolanaRpc, str]) -> None:
    _, url = chain
    assert call(url, "getClusterNodes")["error"]["code"] == -32601
    assert call(url, "getBalance", "not-a-key")["error"]["code"] == -32602


def test_twenty_parallel_sends_all_land_exactly_once(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    payers = [Keypair() for _ in range(20)]
    payee = Keypair().pubkey()
    for payer in payers:
        rpc.airdrop_sol(payer.pubkey(), LAMPORTS)
    recent = blockhash(url)
    txs = [Transaction([p], Message([transfer(TransferParams(from_pubkey=p.pubkey(), to_pubkey=payee,
                                                             lamports=LAMPORTS // 100))], p.pubkey()), recent)
           for p in payers]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda tx: send(url, tx), txs))
    assert all("result" in a for a in answers)
    assert rpc.sol_balance(payee) == 20 * (LAMPORTS // 100)


def test_base58_decoding_matches_solders() -> None:
    key = Keypair().pubkey()
    assert b58decode(str(key)) == bytes(key) and Pubkey(b58decode(str(key))) == key
