"""The local Solana JSON-RPC over LiteSVM, driven over HTTP with real solders transactions: balances,
SPL transfers between associated accounts, transactions assembled for a remote signer (as Privy signs
them), preflight failures, rolling blockhashes, concurrency, and Solana's answer shapes (parsed with
the same solders response classes solana-py uses)."""

from __future__ import annotations

import base64
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from solders.account_decoder import UiAccountEncoding
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0, to_bytes_versioned
from solders.null_signer import NullSigner
from solders.pubkey import Pubkey
from solders.rpc import requests as rpc_requests
from solders.rpc import responses as rpc_responses
from solders.rpc.config import RpcAccountInfoConfig, RpcSendTransactionConfig, RpcTransactionConfig
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import UiTransactionEncoding

from local.chains import solana_funding, solana_spl
from local.chains.solana_codec import b58encode
from local.chains.solana_ledger import LOCAL_USDC_AUTHORITY, USDC_MINT, SolanaLedger
from local.chains.solana_rpc import SolanaRpc
from local.runtime.httpservice import ServedApp

SOL = 10**9
USDC = 10**6
FEE = 5000

_ids = itertools.count(1)
_ids_lock = threading.Lock()


@pytest.fixture(scope="module")
def chain() -> Iterator[tuple[SolanaRpc, str]]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    rpc = SolanaRpc()
    served = ServedApp(rpc, 0, "solana").start()
    try:
        yield rpc, served.url
    finally:
        served.stop()


def call(url: str, method: str, *params: Any) -> dict[str, Any]:
    with _ids_lock:
        ident = next(_ids)
    body = {"jsonrpc": "2.0", "id": ident, "method": method, "params": list(params)}
    answer = requests.post(url, json=body, timeout=10).json()
    assert answer["id"] == ident and answer["jsonrpc"] == "2.0"
    return dict(answer)


def result(url: str, method: str, *params: Any) -> Any:
    answer = call(url, method, *params)
    assert "error" not in answer, answer
    return answer["result"]


def latest_blockhash(url: str) -> Hash:
    return Hash.from_string(result(url, "getLatestBlockhash")["value"]["blockhash"])


def send(url: str, tx: Transaction | VersionedTransaction, **config: Any) -> dict[str, Any]:
    return call(
        url, "sendTransaction", base64.b64encode(bytes(tx)).decode(), {"encoding": "base64", **config}
    )


def balance(url: str, key: Pubkey) -> int:
    return int(result(url, "getBalance", str(key))["value"])


def funded(rpc: SolanaRpc, lamports: int = 10 * SOL) -> Keypair:
    keypair = Keypair()
    rpc.airdrop_sol(keypair.pubkey(), lamports)
    return keypair


def sol_transfer(url: str, payer: Keypair, to: Pubkey, lamports: int) -> Transaction:
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=lamports))
    return Transaction([payer], Message([ix], payer.pubkey()), latest_blockhash(url))


def test_sol_transfer_lands_with_fee_statuses_and_balances(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    payer, to = funded(rpc), Keypair().pubkey()
    tx = sol_transfer(url, payer, to, 2 * SOL)
    signature = result(url, "sendTransaction", base64.b64encode(bytes(tx)).decode(), {"encoding": "base64"})
    assert signature == str(tx.signatures[0])
    assert balance(url, to) == 2 * SOL
    assert balance(url, payer.pubkey()) == 8 * SOL - FEE
    status = result(url, "getSignatureStatuses", [signature, str(Signature.default())])["value"]
    assert status[0]["confirmationStatus"] == "finalized" and status[0]["err"] is None
    assert status[0]["status"] == {"Ok": None} and status[1] is None
    landed = result(url, "getTransaction", signature, {"encoding": "json"})
    assert landed["meta"]["fee"] == FEE and landed["meta"]["err"] is None
    assert landed["meta"]["preBalances"][:2] == [10 * SOL, 0]
    assert landed["meta"]["postBalances"][:2] == [8 * SOL - FEE, 2 * SOL]
    assert landed["transaction"]["signatures"] == [signature] and landed["version"] == "legacy"


def test_base58_is_the_default_encoding(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    payer, to = funded(rpc), Keypair().pubkey()
    tx = sol_transfer(url, payer, to, SOL)
    assert result(url, "sendTransaction", b58encode(bytes(tx))) == str(tx.signatures[0])
    assert balance(url, to) == SOL


def test_usdc_mint_is_at_the_mainnet_address_with_six_decimals(chain: tuple[SolanaRpc, str]) -> None:
    _, url = chain
    info = result(url, "getAccountInfo", str(USDC_MINT), {"encoding": "jsonParsed"})["value"]
    assert info["owner"] == str(solana_spl.TOKEN_PROGRAM_ID)
    assert info["data"]["parsed"]["type"] == "mint"
    assert info["data"]["parsed"]["info"]["decimals"] == 6
    assert info["data"]["parsed"]["info"]["mintAuthority"] == str(LOCAL_USDC_AUTHORITY.pubkey())
    raw = result(url, "getAccountInfo", str(USDC_MINT), {"encoding": "base64"})["value"]
    assert len(base64.b64decode(raw["data"][0])) == solana_spl.MINT_LEN and raw["data"][1] == "base64"


def test_spl_transfer_checked_between_associated_accounts(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    sender, receiver = funded(rpc), Keypair().pubkey()
    rpc.mint_usdc(sender.pubkey(), 100 * USDC)
    source = solana_spl.associated_token_address(sender.pubkey(), USDC_MINT)
    destination = solana_spl.associated_token_address(receiver, USDC_MINT)
    instructions = [
        solana_spl.create_ata_idempotent(sender.pubkey(), receiver, USDC_MINT),
        solana_spl.transfer_checked(source, USDC_MINT, destination, sender.pubkey(), 30_500_000, 6),
    ]
    tx = Transaction([sender], Message(instructions, sender.pubkey()), latest_blockhash(url))
    signature = result(url, "sendTransaction", base64.b64encode(bytes(tx)).decode(), {"encoding": "base64"})
    amount = result(url, "getTokenAccountBalance", str(destination))["value"]
    assert amount == {"amount": "30500000", "decimals": 6, "uiAmount": 30.5, "uiAmountString": "30.5"}
    assert rpc.usdc_balance(sender.pubkey()) == 69_500_000
    owned = result(
        url, "getTokenAccountsByOwner", str(receiver), {"mint": str(USDC_MINT)}, {"encoding": "jsonParsed"}
    )["value"]
    assert [a["pubkey"] for a in owned] == [str(destination)]
    assert owned[0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"] == "30500000"
    by_program = result(
        url,
        "getTokenAccountsByOwner",
        str(receiver),
        {"programId": str(solana_spl.TOKEN_PROGRAM_ID)},
        {"encoding": "base64"},
    )["value"]
    assert [a["pubkey"] for a in by_program] == [str(destination)]
    meta = result(url, "getTransaction", signature, {"encoding": "json"})["meta"]
    post = {b["owner"]: b["uiTokenAmount"]["amount"] for b in meta["postTokenBalances"]}
    assert post == {str(sender.pubkey()): "69500000", str(receiver): "30500000"}
    assert [b["owner"] for b in meta["preTokenBalances"]] == [str(sender.pubkey())]  # destination was new
    unknown = call(url, "getTokenAccountsByOwner", str(receiver), {"mint": str(receiver)})
    assert unknown["error"] == {"code": -32602, "message": "Invalid param: could not find mint"}
    other = call(url, "getTokenAccountBalance", str(receiver))
    assert other["error"]["code"] == -32602  # a wallet is not a token account


def test_remote_signer_assembly_with_a_null_signer_is_accepted(chain: tuple[SolanaRpc, str]) -> None:
    """The server wallet pays and signs remotely (Privy); a local key co-signs; signatures populated."""
    rpc, url = chain
    wallet, cosigner, to = funded(rpc), funded(rpc, SOL), Keypair().pubkey()
    ixs = [
        transfer(TransferParams(from_pubkey=wallet.pubkey(), to_pubkey=to, lamports=SOL)),
        transfer(TransferParams(from_pubkey=cosigner.pubkey(), to_pubkey=to, lamports=SOL // 2)),
    ]
    message = MessageV0.try_compile(wallet.pubkey(), ixs, [], latest_blockhash(url))
    unsigned = VersionedTransaction(message, [NullSigner(wallet.pubkey()), cosigner])
    assert unsigned.signatures[0] == Signature.default()
    encoded = base64.b64encode(bytes(unsigned)).decode()
    sim = result(url, "simulateTransaction", encoded, {"encoding": "base64"})["value"]  # sigVerify off
    assert sim["err"] is None and sim["unitsConsumed"] > 0 and sim["logs"]
    assert send(url, unsigned)["error"]["code"] == -32003
    signatures = list(unsigned.signatures)
    signatures[0] = wallet.sign_message(to_bytes_versioned(message))  # what the remote signer returns
    signed = VersionedTransaction.populate(message, signatures)
    signature = result(
        url, "sendTransaction", base64.b64encode(bytes(signed)).decode(), {"encoding": "base64"}
    )
    assert balance(url, to) == SOL + SOL // 2
    with_version = result(url, "getTransaction", signature, {"maxSupportedTransactionVersion": 0})
    assert with_version["version"] == 0 and with_version["meta"]["fee"] == 2 * FEE
    assert call(url, "getTransaction", signature)["error"]["code"] == -32015  # v0 needs the opt-in


def test_bad_signature_is_rejected_and_changes_nothing(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    payer, to, forger = funded(rpc), Keypair().pubkey(), Keypair()
    tx = sol_transfer(url, payer, to, SOL)
    forged = VersionedTransaction.populate(tx.message, [forger.sign_message(bytes(tx.message_data()))])
    answer = send(url, forged)
    assert answer["error"] == {"code": -32003, "message": "Transaction signature verification failure"}
    assert balance(url, payer.pubkey()) == 10 * SOL and balance(url, to) == 0
    assert result(url, "getSignatureStatuses", [str(forged.signatures[0])])["value"] == [None]


def test_preflight_failure_carries_logs_and_skip_preflight_lands_the_failure(
    chain: tuple[SolanaRpc, str],
) -> None:
    rpc, url = chain
    payer, to = funded(rpc, SOL), Keypair().pubkey()
    tx = sol_transfer(url, payer, to, 5 * SOL)
    error = send(url, tx)["error"]
    assert error["code"] == -32002
    assert (
        error["message"]
        == "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    )
    assert error["data"]["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert any("insufficient lamports" in line for line in error["data"]["logs"])
    assert balance(url, payer.pubkey()) == SOL  # preflight charged nothing
    signature = send(url, tx, skipPreflight=True)["result"]
    status = result(url, "getSignatureStatuses", [signature])["value"][0]
    assert status["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert status["status"] == {"Err": status["err"]}
    assert balance(url, payer.pubkey()) == SOL - FEE  # landed with its error: the fee is paid


def test_stale_blockhash_and_duplicates(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    payer, to = funded(rpc), Keypair().pubkey()
    tx = sol_transfer(url, payer, to, SOL)
    assert "result" in send(url, tx)
    duplicate = send(url, tx)["error"]
    assert duplicate["code"] == -32002 and duplicate["data"]["err"] == "AlreadyProcessed"
    assert send(url, tx, skipPreflight=True)["result"] == str(tx.signatures[0])
    assert balance(url, to) == SOL  # landed exactly once
    old = tx.message.recent_blockhash
    rpc.ledger.expire_blockhashes()
    assert result(url, "isBlockhashValid", str(old))["value"] is False
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=2 * SOL))
    stale = Transaction([payer], Message([ix], payer.pubkey()), old)
    error = send(url, stale)["error"]
    assert error["code"] == -32002 and error["data"]["err"] == "BlockhashNotFound"
    simulated = result(
        url,
        "simulateTransaction",
        base64.b64encode(bytes(stale)).decode(),
        {"encoding": "base64", "replaceRecentBlockhash": True},
    )["value"]
    assert simulated["err"] is None and simulated["replacementBlockhash"]["blockhash"] != str(old)
    assert balance(url, to) == SOL


def test_blockhashes_roll_with_the_slot_and_stay_valid_for_150_slots() -> None:
    ledger = SolanaLedger(slot_ms=5)
    first, last_valid = ledger.latest_blockhash()
    time.sleep(0.05)
    second, _ = ledger.latest_blockhash()
    assert second != first and ledger.slot > last_valid - 150
    assert ledger.blockhash_valid(first) and ledger.blockhash_valid(second)
    payer = Keypair()
    ledger.airdrop(payer.pubkey(), SOL)
    sigs = set()
    for blockhash in (first, second):  # the same transfer under two blockhashes: two transactions
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=USDC_MINT, lamports=1))
        tx = Transaction([payer], Message([ix], payer.pubkey()), blockhash)
        sigs.add(ledger.submit(VersionedTransaction.from_legacy(tx)))
    assert len(sigs) == 2 and all(ledger.status(s) for s in sigs)
    time.sleep(0.8)  # > 150 slots of 5 ms
    assert not ledger.blockhash_valid(first)


def test_twenty_parallel_sends_all_land_exactly_once(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    payer, to = funded(rpc, 100 * SOL), Keypair().pubkey()
    blockhash = latest_blockhash(url)
    txs = [
        Transaction(
            [payer],
            Message(
                [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=SOL + i))],
                payer.pubkey(),
            ),
            blockhash,
        )
        for i in range(20)
    ]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda tx: send(url, tx), txs))
    signatures = [a["result"] for a in answers]
    assert signatures == [str(tx.signatures[0]) for tx in txs]
    statuses = result(url, "getSignatureStatuses", signatures)["value"]
    assert all(s and s["confirmationStatus"] == "finalized" and s["err"] is None for s in statuses)
    total = sum(SOL + i for i in range(20))
    assert balance(url, to) == total
    assert balance(url, payer.pubkey()) == 100 * SOL - total - 20 * FEE


def test_solana_py_wire_format_round_trips_through_solders_response_classes(
    chain: tuple[SolanaRpc, str],
) -> None:
    """solana-py's Client sends solders request objects and parses answers with solders response
    classes: the same bytes over plain requests must parse, field for field."""
    rpc, url = chain
    payer, to = funded(rpc), Keypair().pubkey()
    rpc.mint_usdc(payer.pubkey(), 3 * USDC)

    def post(request: Any, response_type: Any) -> Any:
        raw = requests.post(
            url, data=request.to_json(), headers={"Content-Type": "application/json"}, timeout=10
        ).text
        return response_type.from_json(raw)

    assert post(rpc_requests.GetBalance(payer.pubkey()), rpc_responses.GetBalanceResp).value == 10 * SOL
    blockhash = post(rpc_requests.GetLatestBlockhash(), rpc_responses.GetLatestBlockhashResp).value
    message = MessageV0.try_compile(
        payer.pubkey(),
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=SOL))],
        [],
        blockhash.blockhash,
    )
    tx = VersionedTransaction(message, [payer])
    sent = post(
        rpc_requests.SendVersionedTransaction(tx, RpcSendTransactionConfig()),
        rpc_responses.SendTransactionResp,
    )
    assert sent.value == tx.signatures[0]
    statuses = post(rpc_requests.GetSignatureStatuses([sent.value]), rpc_responses.GetSignatureStatusesResp)
    assert statuses.value[0] is not None and statuses.value[0].err is None
    landed = post(
        rpc_requests.GetTransaction(
            sent.value,
            RpcTransactionConfig(UiTransactionEncoding.Base64, max_supported_transaction_version=0),
        ),
        rpc_responses.GetTransactionResp,
    )
    assert landed.value.transaction.meta.fee == FEE
    account = post(
        rpc_requests.GetAccountInfo(to, RpcAccountInfoConfig(UiAccountEncoding.Base64)),
        rpc_responses.GetAccountInfoResp,
    )
    assert account.value.lamports == SOL
    ata = solana_spl.associated_token_address(payer.pubkey(), USDC_MINT)
    token = post(rpc_requests.GetTokenAccountBalance(ata), rpc_responses.GetTokenAccountBalanceResp)
    assert token.value.amount == "3000000" and token.value.decimals == 6


def test_http_funding_helpers_match_the_in_process_ones(chain: tuple[SolanaRpc, str]) -> None:
    rpc, url = chain
    owner = Keypair().pubkey()
    solana_funding.airdrop_sol(url, owner, 3 * SOL)
    solana_funding.mint_usdc(url, owner, 12 * USDC)
    solana_funding.mint_usdc(url, str(owner), 500_000)  # the existing account is reused
    assert solana_funding.sol_balance(url, owner) == rpc.sol_balance(owner) == 3 * SOL
    assert solana_funding.usdc_balance(url, owner) == rpc.usdc_balance(str(owner)) == 12_500_000
    with pytest.raises(solana_funding.SolanaRpcError):
        solana_funding.mint_usdc(url, owner, USDC, authority=Keypair())  # not the mint authority


def test_json_rpc_errors_batches_and_the_local_contract(chain: tuple[SolanaRpc, str]) -> None:
    _, url = chain
    assert call(url, "getFoo")["error"] == {"code": -32601, "message": "Method not found"}
    assert call(url, "getBalance", "not-a-key")["error"]["code"] == -32602
    assert call(url, "sendTransaction", "AAAA", {"encoding": "base64"})["error"]["code"] == -32602
    assert requests.post(url, data=b"{", timeout=5).json()["error"]["code"] == -32700
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "getHealth"},
        {"jsonrpc": "2.0", "id": 2, "method": "getSlot"},
    ]
    answers = requests.post(url, json=batch, timeout=5).json()
    assert answers[0] == {"jsonrpc": "2.0", "result": "ok", "id": 1} and isinstance(answers[1]["result"], int)
    assert result(url, "getVersion")["solana-core"]
    assert result(url, "getMinimumBalanceForRentExemption", 165) == 2_039_280
    health = requests.get(f"{url}/_local/health", timeout=5).json()
    assert health["ok"] is True and health["usdc_mint"] == str(USDC_MINT)
    requests.post(f"{url}/_local/faults", json={"path": "/", "status": 503, "count": 1}, timeout=5)
    assert requests.post(url, json=batch[0], timeout=5).status_code == 503
    assert requests.post(url, json=batch[0], timeout=5).json()["result"] == "ok"
