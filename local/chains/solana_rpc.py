"""The local Solana: LiteSVM (``solders.litesvm``, in-process) behind the JSON-RPC methods the
product calls, with a USDC mint at the mainnet address so product configuration looks the same.

LiteSVM is not thread-safe: every call holds one lock. Token accounts for ``mint_usdc`` are
written directly (as a faucet would), everything else goes through real transactions.
"""

from __future__ import annotations

import base64
import struct
import threading
from typing import Any

from solders.account import Account
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata
from werkzeug.wrappers import Request, Response

from local.httpservice import LocalService, json_response

USDC_MINT = Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
ATA_PROGRAM = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xxWKoTh8Qu6vJ1knL")
USDC_DECIMALS = 6
MINT_SIZE, TOKEN_ACCOUNT_SIZE = 82, 165


B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58_ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return bytes(len(text) - len(text.lstrip("1"))) + body


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def associated_token_address(owner: Pubkey, mint: Pubkey = USDC_MINT) -> Pubkey:
    return Pubkey.find_program_address([bytes(owner), bytes(TOKEN_PROGRAM), bytes(mint)], ATA_PROGRAM)[0]


def _mint_data(authority: Pubkey, supply: int) -> bytes:
    return (struct.pack("<I", 1) + bytes(authority) + struct.pack("<QB?", supply, USDC_DECIMALS, True)
            + struct.pack("<I", 0) + bytes(32))


def _token_account_data(mint: Pubkey, owner: Pubkey, amount: int) -> bytes:
    return (bytes(mint) + bytes(owner) + struct.pack("<Q", amount) + struct.pack("<I", 0) + bytes(32)
            + bytes([1]) + struct.pack("<I", 0) + bytes(8) + struct.pack("<Q", 0) + struct.pack("<I", 0) + bytes(32))


def _token_amount(data: bytes) -> int:
    return int(struct.unpack_from("<Q", data, 64)[0])


def _ui(amount: int, decimals: int = USDC_DECIMALS) -> dict[str, Any]:
    return {"amount": str(amount), "decimals": decimals, "uiAmount": amount / 10**decimals,
            "uiAmountString": str(amount / 10**decimals)}


class SolanaRpc(LocalService):
    name = "solana-rpc"

    def __init__(self, usdc_mint: Pubkey = USDC_MINT) -> None:
        super().__init__()
        self.svm = LiteSVM()
        self.usdc_mint = usdc_mint
        self.mint_authority = Keypair()
        self._lock = threading.Lock()
        self._landed: dict[str, dict[str, Any]] = {}
        rent = self.svm.minimum_balance_for_rent_exemption(MINT_SIZE)
        self.svm.set_account(usdc_mint, Account(rent, _mint_data(self.mint_authority.pubkey(), 0), TOKEN_PROGRAM,
                                                False, 0))
        self.route("/", ["POST"])(self._rpc)

    # -- faucet helpers (basis-local fund, tests) -------------------------------------------------
    def airdrop_sol(self, owner: Pubkey, lamports: int) -> None:
        with self._lock:
            result = self.svm.airdrop(owner, lamports)
        if isinstance(result, FailedTransactionMetadata):
            raise RuntimeError(f"airdrop failed: {result.err()}")

    def mint_usdc(self, owner: Pubkey, amount: int) -> Pubkey:
        """Credit ``amount`` base units to the owner's USDC associated token account."""
        ata = associated_token_address(owner, self.usdc_mint)
        with self._lock:
            existing = self.svm.get_account(ata)
            balance = _token_amount(bytes(existing.data)) if existing else 0
            rent = self.svm.minimum_balance_for_rent_exemption(TOKEN_ACCOUNT_SIZE)
            self.svm.set_account(ata, Account(rent, _token_account_data(self.usdc_mint, owner, balance + amount),
                                              TOKEN_PROGRAM, False, 0))
            mint = self.svm.get_account(self.usdc_mint)
            supply = int(struct.unpack_from("<Q", bytes(mint.data), 36)[0]) + amount  # type: ignore[union-attr]
            self.svm.set_account(self.usdc_mint, Account(mint.lamports,  # type: ignore[union-attr]
                                 _mint_data(self.mint_authority.pubkey(), supply), TOKEN_PROGRAM, False, 0))
        return ata

    def sol_balance(self, owner: Pubkey) -> int:
        with self._lock:
            return int(self.svm.get_balance(owner) or 0)

    def usdc_balance(self, owner: Pubkey) -> int:
        with self._lock:
            account = self.svm.get_account(associated_token_address(owner, self.usdc_mint))
        return _token_amount(bytes(account.data)) if account else 0

    def health_details(self) -> dict[str, Any]:
        return {"usdc_mint": str(self.usdc_mint), "transactions": len(self._landed)}

    # -- JSON-RPC ----------------------------------------------------------------------------------
    def _rpc(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if isinstance(body, list):
            return json_response([self._one(item) for item in body])
        return json_response(self._one(body))

    def _one(self, call: Any) -> dict[str, Any]:
        ident = call.get("id") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(call.get("method"), str):
            return {"jsonrpc": "2.0", "id": ident, "error": {"code": -32600, "message": "Invalid request"}}
        handler = getattr(self, f"_m_{call['method']}", None)
        if handler is None:
            return {"jsonrpc": "2.0", "id": ident,
                    "error": {"code": -32601, "message": f"Method not found: {call['method']}"}}
        try:
            result = handler(*(call.get("params") or []))
        except RpcError as exc:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.data is not None:
                error["data"] = exc.data
            return {"jsonrpc": "2.0", "id": ident, "error": error}
        except (TypeError, ValueError) as exc:
            return {"jsonrpc": "2.0", "id": ident, "error": {"code": -32602, "message": f"Invalid params: {exc}"}}
        return {"jsonrpc": "2.0", "id": ident, "result": result}

    def _context(self, value: Any) -> dict[str, Any]:
        return {"context": {"slot": int(self.svm.get_clock().slot)}, "value": value}

    def _m_getHealth(self) -> str:  # noqa: N802 - JSON-RPC method names
        return "ok"

    def _m_getVersion(self) -> dict[str, Any]:  # noqa: N802
        return {"solana-core": "litesvm-local", "feature-set": 0}

    def _m_getSlot(self, *_: Any) -> int:  # noqa: N802
        with self._lock:
            return int(self.svm.get_clock().slot)

    def _m_getBalance(self, address: str, *_: Any) -> dict[str, Any]:  # noqa: N802
        with self._lock:
            return self._context(int(self.svm.get_balance(Pubkey.from_string(address)) or 0))

    def _m_getAccountInfo(self, address: str, *_: Any) -> dict[str, Any]:  # noqa: N802
        with self._lock:
            account = self.svm.get_account(Pubkey.from_string(address))
            if account is None:
                return self._context(None)
            return self._context({"lamports": account.lamports, "owner": str(account.owner),
                                  "executable": account.executable, "rentEpoch": account.rent_epoch,
                                  "data": [base64.b64encode(bytes(account.data)).decode(), "base64"],
                                  "space": len(bytes(account.data))})

    def _m_getTokenAccountBalance(self, address: str, *_: Any) -> dict[str, Any]:  # noqa: N802
        with self._lock:
            account = self.svm.get_account(Pubkey.from_string(address))
            if account is None or account.owner != TOKEN_PROGRAM:
                raise RpcError(-32602, "Invalid param: not a Token account")
            return self._context(_ui(_token_amount(bytes(account.data))))

    def _m_getTokenAccountsByOwner(self, owner: str, selector: dict[str, Any], *_: Any) -> dict[str, Any]:  # noqa: N802
        mint = Pubkey.from_string(selector.get("mint", str(self.usdc_mint)))
        owner_key = Pubkey.from_string(owner)
        ata = associated_token_address(owner_key, mint)
        with self._lock:
            account = self.svm.get_account(ata)
            if account is None:
                return self._context([])
            amount = _token_amount(bytes(account.data))
            parsed = {"program": "spl-token", "space": TOKEN_ACCOUNT_SIZE, "parsed": {"type": "account", "info": {
                "mint": str(mint), "owner": owner, "state": "initialized", "isNative": False,
                "tokenAmount": _ui(amount)}}}
            return self._context([{"pubkey": str(ata), "account": {
                "lamports": account.lamports, "owner": str(TOKEN_PROGRAM), "executable": False,
                "rentEpoch": account.rent_epoch, "data": parsed}}])

    def _m_getLatestBlockhash(self, *_: Any) -> dict[str, Any]:  # noqa: N802
        with self._lock:
            slot = int(self.svm.get_clock().slot)
            return self._context({"blockhash": str(self.svm.latest_blockhash()), "lastValidBlockHeight": slot + 150})

    def _m_getMinimumBalanceForRentExemption(self, size: int, *_: Any) -> int:  # noqa: N802
        with self._lock:
            return int(self.svm.minimum_balance_for_rent_exemption(int(size)))

    def _m_requestAirdrop(self, address: str, lamports: int, *_: Any) -> str:  # noqa: N802
        with self._lock:
            result = self.svm.airdrop(Pubkey.from_string(address), int(lamports))
        if isinstance(result, FailedTransactionMetadata):
            raise RpcError(-32603, f"airdrop failed: {result.err()}")
        return str(result.signature())

    @staticmethod
    def _decode(encoded: str, options: dict[str, Any] | None) -> VersionedTransaction | Transaction:
        encoding = (options or {}).get("encoding", "base58")
        raw = base64.b64decode(encoded) if encoding == "base64" else b58decode(encoded)
        try:
            return VersionedTransaction.from_bytes(raw)
        except ValueError:
            return Transaction.from_bytes(raw)

    def _m_sendTransaction(self, encoded: str, options: dict[str, Any] | None = None) -> str:  # noqa: N802
        tx = self._decode(encoded, options)
        with self._lock:
            result = self.svm.send_transaction(tx)
            slot = int(self.svm.get_clock().slot)
            if isinstance(result, FailedTransactionMetadata):
                raise RpcError(-32002, f"Transaction simulation failed: {result.err()}",
                               {"err": str(result.err()), "logs": list(result.meta().logs())})
            signature = str(result.signature())
            self._landed[signature] = {"slot": slot, "fee": result.fee(), "logs": list(result.logs()),
                                       "transaction": base64.b64encode(bytes(tx)).decode()}
            self.svm.warp_to_slot(slot + 1)  # the blockhash stays valid, as within Solana's 150 slots
        return signature

    def _m_simulateTransaction(self, encoded: str, options: dict[str, Any] | None = None) -> dict[str, Any]:  # noqa: N802
        tx = self._decode(encoded, options)
        with self._lock:
            result = self.svm.simulate_transaction(tx)
            failed = isinstance(result, FailedTransactionMetadata)
            meta = result.meta()
            return self._context({"err": str(result.err()) if failed else None,  # type: ignore[union-attr]
                                  "logs": list(meta.logs()), "unitsConsumed": meta.compute_units_consumed()})

    def _m_getSignatureStatuses(self, signatures: list[str], *_: Any) -> dict[str, Any]:  # noqa: N802
        with self._lock:
            statuses = [
                {"slot": self._landed[s]["slot"], "confirmations": None, "err": None,
                 "confirmationStatus": "finalized", "status": {"Ok": None}} if s in self._landed else None
                for s in signatures
            ]
            return self._context(statuses)

    def _m_getTransaction(self, signature: str, *_: Any) -> dict[str, Any] | None:  # noqa: N802
        Signature.from_string(signature)  # invalid -> -32602
        landed = self._landed.get(signature)
        if landed is None:
            return None
        return {"slot": landed["slot"], "blockTime": None,
                "meta": {"err": None, "fee": landed["fee"], "logMessages": landed["logs"],
                         "status": {"Ok": None}},
                "transaction": [landed["transaction"], "base64"]}
