"""The local Solana cluster: JSON-RPC (``POST /``) over one LiteSVM, in Solana's answer shapes.

Serves the calls the product makes (balances, accounts, token accounts, blockhashes, rent, send /
simulate, signature statuses, transactions, airdrops, slot, health, version) plus the shared
``/_local/`` contract. ``sendTransaction`` runs the preflight a real node does unless
``skipPreflight``: a bad signature is error -32003, a failing simulation -32002 with the logs.
Unknown methods are -32601. ``airdrop_sol`` / ``mint_usdc`` / ``usdc_balance`` / ``sol_balance``
fund wallets in-process for ``basis-local fund``; ``local.chains.solana_funding`` does the same over HTTP.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from solders.hash import Hash
from solders.message import from_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from werkzeug.wrappers import Request, Response

from local.chains import solana_views as views
from local.chains.solana_codec import b58decode, b58encode, decode_transaction, error_message
from local.chains.solana_ledger import (
    LOCAL_FAUCET,
    LOCAL_USDC_AUTHORITY,
    USDC_MINT,
    RejectedTransactionError,
    SolanaLedger,
)
from local.chains.solana_spl import TOKEN_PROGRAM_ID as TOKEN_PROGRAM
from local.chains.solana_spl import associated_token_address as _ata
from local.runtime.httpservice import LocalService, json_response

__all__ = [
    "LOCAL_FAUCET",
    "LOCAL_USDC_AUTHORITY",
    "TOKEN_PROGRAM",
    "USDC_MINT",
    "SolanaRpc",
    "associated_token_address",
    "b58decode",
    "b58encode",
]

SOLANA_CORE_VERSION = "2.2.0"
FEATURE_SET = 3294202862
LAMPORTS_PER_SIGNATURE = 5000


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            body["data"] = self.data
        return body


def invalid_params(message: str) -> RpcError:
    return RpcError(-32602, message)


def _param(params: list[Any], index: int, default: Any = None) -> Any:
    return params[index] if len(params) > index and params[index] is not None else default


def _pubkey(params: list[Any], index: int = 0) -> Pubkey:
    value = _param(params, index)
    try:
        return Pubkey.from_string(value)
    except (TypeError, ValueError) as exc:
        raise invalid_params("Invalid param: Invalid") from exc


def _config(params: list[Any], index: int) -> dict[str, Any]:
    config = _param(params, index, {})
    if isinstance(config, str):  # the deprecated bare-encoding form
        return {"encoding": config}
    if not isinstance(config, dict):
        raise invalid_params(f"Invalid params: expected a config object at position {index}")
    return config


def _encoding(config: dict[str, Any], default: str | None) -> str | None:
    encoding = config.get("encoding", default)
    if encoding not in views.ENCODINGS:
        raise invalid_params(f"Invalid params: unsupported encoding {encoding!r}")
    return encoding


class SolanaRpc(LocalService):
    name = "solana"

    def __init__(self, ledger: SolanaLedger | None = None, *, usdc_mint: Pubkey = USDC_MINT) -> None:
        super().__init__()
        self.ledger = ledger or SolanaLedger(usdc_mint=usdc_mint)
        self.methods: dict[str, Callable[[list[Any]], Any]] = {
            "getAccountInfo": self.get_account_info,
            "getBalance": self.get_balance,
            "getBlockHeight": self.get_slot,
            "getFeeForMessage": self.get_fee_for_message,
            "getHealth": lambda _: "ok",
            "getLatestBlockhash": self.get_latest_blockhash,
            "getMinimumBalanceForRentExemption": self.get_minimum_balance_for_rent_exemption,
            "getMultipleAccounts": self.get_multiple_accounts,
            "getSignatureStatuses": self.get_signature_statuses,
            "getSlot": self.get_slot,
            "getTokenAccountBalance": self.get_token_account_balance,
            "getTokenAccountsByOwner": self.get_token_accounts_by_owner,
            "getTransaction": self.get_transaction,
            "getVersion": lambda _: {"feature-set": FEATURE_SET, "solana-core": SOLANA_CORE_VERSION},
            "isBlockhashValid": self.is_blockhash_valid,
            "requestAirdrop": self.request_airdrop,
            "sendTransaction": self.send_transaction,
            "simulateTransaction": self.simulate_transaction,
        }
        self.route("/", methods=["POST"])(self._jsonrpc)

    def health_details(self) -> dict[str, Any]:
        return {"slot": self.ledger.tick(), "usdc_mint": str(self.ledger.usdc_mint)}

    # -- JSON-RPC envelope -----------------------------------------------------------------------
    def _jsonrpc(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data(cache=True) or b"")
        except ValueError:
            return json_response(
                {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
            )
        if isinstance(body, list):
            if not body:
                return json_response(self._error(None, RpcError(-32600, "Invalid request")))
            return json_response([self.call(item) for item in body])
        return json_response(self.call(body))

    @staticmethod
    def _error(request_id: Any, error: RpcError) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "error": error.as_dict(), "id": request_id}

    def call(self, message: Any) -> dict[str, Any]:
        """Answer one JSON-RPC request object."""
        if (
            not isinstance(message, dict)
            or message.get("jsonrpc") != "2.0"
            or not isinstance(message.get("method"), str)
        ):
            return self._error(
                message.get("id") if isinstance(message, dict) else None, RpcError(-32600, "Invalid request")
            )
        request_id = message.get("id")
        method = self.methods.get(message["method"])
        if method is None:
            return self._error(request_id, RpcError(-32601, "Method not found"))
        params = message.get("params", [])
        if not isinstance(params, list):
            return self._error(request_id, invalid_params("Invalid params: expected an array"))
        try:
            return {"jsonrpc": "2.0", "result": method(params), "id": request_id}
        except RpcError as exc:
            return self._error(request_id, exc)

    def _context(self, value: Any) -> dict[str, Any]:
        return {"context": {"apiVersion": SOLANA_CORE_VERSION, "slot": self.ledger.tick()}, "value": value}

    # -- accounts ----------------------------------------------------------------------------------
    def get_balance(self, params: list[Any]) -> dict[str, Any]:
        return self._context(self.ledger.balance(_pubkey(params)))

    def get_account_info(self, params: list[Any]) -> dict[str, Any]:
        address, encoding = _pubkey(params), _encoding(_config(params, 1), None)
        account = self.ledger.account(address)
        return self._context(views.account_json(self.ledger, account, encoding) if account else None)

    def get_multiple_accounts(self, params: list[Any]) -> dict[str, Any]:
        keys = _param(params, 0, [])
        if not isinstance(keys, list) or len(keys) > 100:
            raise invalid_params("Invalid params: expected at most 100 addresses")
        encoding = _encoding(_config(params, 1), None)
        accounts = [self.ledger.account(_pubkey(keys, i)) for i in range(len(keys))]
        return self._context([views.account_json(self.ledger, a, encoding) if a else None for a in accounts])

    def get_token_account_balance(self, params: list[Any]) -> dict[str, Any]:
        account = self.ledger.account(_pubkey(params))
        info = views.account_json(self.ledger, account, "jsonParsed") if account else None
        parsed = info["data"].get("parsed", {}) if info and isinstance(info["data"], dict) else {}
        if parsed.get("type") != "account":
            raise invalid_params("Invalid param: not a Token account")
        return self._context(parsed["info"]["tokenAmount"])

    def get_token_accounts_by_owner(self, params: list[Any]) -> dict[str, Any]:
        owner, selector = _pubkey(params), _param(params, 1)
        if not isinstance(selector, dict) or len(selector) != 1 or not {"mint", "programId"} & set(selector):
            raise invalid_params('Invalid params: expected {"mint": ...} or {"programId": ...}')
        wanted = _pubkey(list(selector.values()))
        if "mint" in selector and self.ledger.decimals(wanted) is None:
            raise invalid_params("Invalid param: could not find mint")
        encoding = _encoding(_config(params, 2), None)
        found = []
        for key, account in self.ledger.token_accounts(owner):
            state = views.spl.parse_token_account(account)
            matches = account.owner == wanted if "programId" in selector else state and state.mint == wanted
            if matches:
                found.append(
                    {"account": views.account_json(self.ledger, account, encoding), "pubkey": str(key)}
                )
        return self._context(found)

    def get_minimum_balance_for_rent_exemption(self, params: list[Any]) -> int:
        size = _param(params, 0)
        if not isinstance(size, int) or size < 0:
            raise invalid_params("Invalid params: data length must be a non-negative integer")
        with self.ledger.lock:
            return int(self.ledger.svm.minimum_balance_for_rent_exemption(size))

    # -- chain state -------------------------------------------------------------------------------
    def get_slot(self, params: list[Any]) -> int:
        return self.ledger.tick()

    def get_latest_blockhash(self, params: list[Any]) -> dict[str, Any]:
        blockhash, last_valid = self.ledger.latest_blockhash()
        return self._context({"blockhash": str(blockhash), "lastValidBlockHeight": last_valid})

    def is_blockhash_valid(self, params: list[Any]) -> dict[str, Any]:
        try:
            blockhash = Hash.from_string(_param(params, 0))
        except (TypeError, ValueError) as exc:
            raise invalid_params("Invalid param: Invalid") from exc
        return self._context(self.ledger.blockhash_valid(blockhash))

    def get_fee_for_message(self, params: list[Any]) -> dict[str, Any]:
        try:
            message = from_bytes_versioned(base64.b64decode(_param(params, 0, ""), validate=True))
        except Exception as exc:  # solders raises its own types for malformed bytes
            raise invalid_params(f"Invalid params: invalid message: {exc}") from exc
        return self._context(LAMPORTS_PER_SIGNATURE * message.header.num_required_signatures)

    # -- transactions ------------------------------------------------------------------------------
    def _transaction(self, params: list[Any], config: dict[str, Any]) -> Any:
        try:
            return decode_transaction(_param(params, 0), config.get("encoding", "base58"))
        except ValueError as exc:
            raise invalid_params(f"invalid transaction: {exc}") from exc

    def send_transaction(self, params: list[Any]) -> str:
        config = _config(params, 1)
        tx = self._transaction(params, config)
        try:
            return self.ledger.submit(tx, preflight=not config.get("skipPreflight", False))
        except RejectedTransactionError as exc:
            if exc.signature_failure:
                raise RpcError(-32003, "Transaction signature verification failure") from exc
            data = {
                "accounts": None,
                "err": exc.err,
                "innerInstructions": None,
                "logs": exc.logs,
                "replacementBlockhash": None,
                "returnData": None,
                "unitsConsumed": exc.units,
            }
            raise RpcError(-32002, f"Transaction simulation failed: {error_message(exc.err)}", data) from exc

    def simulate_transaction(self, params: list[Any]) -> dict[str, Any]:
        config = _config(params, 1)
        tx = self._transaction(params, config)
        sig_verify = bool(config.get("sigVerify", False))
        replacement = None
        if config.get("replaceRecentBlockhash"):
            if sig_verify:
                raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
            blockhash, last_valid = self.ledger.latest_blockhash()
            tx = views.with_blockhash(tx, blockhash)
            replacement = {"blockhash": str(blockhash), "lastValidBlockHeight": last_valid}
        if sig_verify and not all(tx.verify_with_results()):
            raise RpcError(-32003, "Transaction signature verification failure")
        sim = self.ledger.simulate(tx, sig_verify=sig_verify)
        accounts = None
        wanted = config.get("accounts")
        if isinstance(wanted, dict) and isinstance(wanted.get("addresses"), list):
            encoding = _encoding(wanted, "base64")
            keys = [_pubkey(wanted["addresses"], i) for i in range(len(wanted["addresses"]))]
            found = [sim.accounts.get(k) or self.ledger.account(k) for k in keys]
            accounts = [views.account_json(self.ledger, a, encoding) if a else None for a in found]
        return self._context(
            {
                "accounts": accounts,
                "err": sim.err,
                "fee": sim.fee,
                "innerInstructions": None,
                "logs": sim.logs,
                "replacementBlockhash": replacement,
                "returnData": None,
                "unitsConsumed": sim.units,
            }
        )

    def get_signature_statuses(self, params: list[Any]) -> dict[str, Any]:
        signatures = _param(params, 0)
        if not isinstance(signatures, list) or len(signatures) > 256:
            raise invalid_params("Invalid params: expected an array of at most 256 signatures")
        return self._context([views.signature_status(self.ledger.status(str(s))) for s in signatures])

    def get_transaction(self, params: list[Any]) -> dict[str, Any] | None:
        try:
            signature = str(Signature.from_string(_param(params, 0)))
        except (TypeError, ValueError) as exc:
            raise invalid_params("Invalid param: Invalid") from exc
        config = _config(params, 1)
        encoding = config.get("encoding", "json")
        if encoding not in ("json", "jsonParsed", "base64", "base58"):
            raise invalid_params(f"Invalid params: unsupported encoding {encoding!r}")
        record = self.ledger.status(signature)
        if record is None:
            return None
        if views.is_v0(record.transaction) and config.get("maxSupportedTransactionVersion") is None:
            raise RpcError(
                -32015,
                "Transaction version (0) is not supported by the requesting client. "
                "Please try the request again with the following configuration parameter: "
                '"maxSupportedTransactionVersion": 0',
            )
        return views.landed_json(record, encoding)

    def request_airdrop(self, params: list[Any]) -> str:
        address, lamports = _pubkey(params), _param(params, 1)
        if not isinstance(lamports, int) or lamports <= 0:
            raise invalid_params("Invalid params: lamports must be a positive integer")
        try:
            return self.ledger.airdrop(address, lamports)
        except RejectedTransactionError as exc:
            raise RpcError(-32603, f"airdrop failed: {error_message(exc.err)}") from exc

    # -- funding helpers (in-process) ----------------------------------------------------------------
    def airdrop_sol(self, pubkey: Pubkey | str, lamports: int) -> str:
        return self.ledger.airdrop(_as_pubkey(pubkey), lamports)

    def mint_usdc(self, owner_pubkey: Pubkey | str, amount_base_units: int) -> str:
        return self.ledger.mint_usdc(_as_pubkey(owner_pubkey), amount_base_units)

    def usdc_balance(self, owner: Pubkey | str) -> int:
        return self.ledger.usdc_balance(_as_pubkey(owner))

    def sol_balance(self, owner: Pubkey | str) -> int:
        return self.ledger.balance(_as_pubkey(owner))


def associated_token_address(owner: Pubkey, mint: Pubkey = USDC_MINT) -> Pubkey:
    return _ata(owner, mint)


def _as_pubkey(value: Pubkey | str) -> Pubkey:
    return value if isinstance(value, Pubkey) else Pubkey.from_string(value)


def main() -> None:
    """``python -m local.chains.solana_rpc [--port N]``: serve the local Solana until interrupted."""
    import argparse
    import time

    from local.runtime.httpservice import ServedApp
    from local.runtime.ports import configured_ports

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=configured_ports()["solana"])
    parser.add_argument("--usdc-mint", default=str(USDC_MINT))
    args = parser.parse_args()
    served = ServedApp(SolanaRpc(usdc_mint=Pubkey.from_string(args.usdc_mint)), args.port, "solana").start()
    print(f"Solana JSON-RPC (LiteSVM) on {served.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        served.stop()


if __name__ == "__main__":
    main()
