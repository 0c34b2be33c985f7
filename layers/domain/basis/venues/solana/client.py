"""``SolanaClient``: the few Solana JSON-RPC calls the product makes (balances, blockhash, send,
confirm), as plain JSON over HTTP. Amounts are integers in base units (lamports, token units)."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from basis.chains.solana import USDC_MINT

Transport = Callable[[dict[str, Any]], dict[str, Any]]


class SolanaRpcError(Exception):
    """A JSON-RPC error answer (``code``, ``message``, ``data``) or an unreachable endpoint."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.data = code, message, data


class TransactionFailedError(Exception):
    def __init__(self, signature: str, err: Any) -> None:
        super().__init__(f"transaction {signature} failed: {err}")
        self.signature, self.err = signature, err


@dataclass(frozen=True)
class TokenBalance:
    address: str
    mint: str
    amount: int
    decimals: int


def parse_token_accounts(result: dict[str, Any]) -> list[TokenBalance]:
    """``getTokenAccountsByOwner`` (``jsonParsed``) -> the token accounts and their raw amounts."""
    accounts = []
    for item in result.get("value") or []:
        info = item["account"]["data"]["parsed"]["info"]
        amount = info["tokenAmount"]
        accounts.append(
            TokenBalance(item["pubkey"], info["mint"], int(amount["amount"]), int(amount["decimals"]))
        )
    return accounts


class SolanaClient:
    def __init__(self, rpc_url: str, *, timeout: float = 10.0, transport: Transport | None = None) -> None:
        self.rpc_url = rpc_url
        self.timeout = timeout
        self._transport = transport or self._http
        self._ids = itertools.count(1)

    # -- transport -------------------------------------------------------------------------------
    def _http(self, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the configured RPC URL
            self.rpc_url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SolanaRpcError(exc.code, f"HTTP {exc.code} from the Solana RPC") from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise SolanaRpcError(-32099, f"Solana RPC unreachable: {exc}") from exc
        return answer

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        answer = self._transport(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []}
        )
        if answer.get("error"):
            error = answer["error"]
            raise SolanaRpcError(int(error.get("code", -32000)), str(error.get("message")), error.get("data"))
        return answer.get("result")

    # -- reads -----------------------------------------------------------------------------------
    def sol_balance(self, address: str) -> int:
        return int(self.call("getBalance", [address, {"commitment": "confirmed"}])["value"])

    def token_accounts(self, owner: str, mint: str = USDC_MINT) -> list[TokenBalance]:
        result = self.call(
            "getTokenAccountsByOwner",
            [owner, {"mint": mint}, {"encoding": "jsonParsed", "commitment": "confirmed"}],
        )
        return parse_token_accounts(result)

    def usdc_balance(self, owner: str, mint: str = USDC_MINT) -> int:
        """Base units of ``mint`` the owner holds, over all its token accounts for it."""
        return sum(account.amount for account in self.token_accounts(owner, mint))

    def token_change(self, signature: str, owner: str, mint: str = USDC_MINT) -> int | None:
        """Base units of ``mint`` the owner's token accounts gained (negative: lost) in the landed
        transaction ``signature`` itself (its ``postTokenBalances`` less its ``preTokenBalances``),
        whatever else moved them before or after; None while the transaction is not found."""
        found = self.call(
            "getTransaction",
            [signature, {"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}],
        )
        if not found or not found.get("meta"):
            return None

        def held(balances: list[dict[str, Any]] | None) -> int:
            return sum(
                int(b["uiTokenAmount"]["amount"])
                for b in balances or []
                if b.get("owner") == owner and b.get("mint") == mint
            )

        meta = found["meta"]
        return held(meta.get("postTokenBalances")) - held(meta.get("preTokenBalances"))

    def account_exists(self, address: str) -> bool:
        return (
            self.call("getAccountInfo", [address, {"encoding": "base64", "commitment": "confirmed"}])["value"]
            is not None
        )

    def latest_blockhash(self) -> tuple[str, int]:
        value = self.call("getLatestBlockhash", [{"commitment": "confirmed"}])["value"]
        return str(value["blockhash"]), int(value["lastValidBlockHeight"])

    def signature_status(self, signature: str) -> dict[str, Any] | None:
        result = self.call("getSignatureStatuses", [[signature], {"searchTransactionHistory": True}])
        status: dict[str, Any] | None = result["value"][0]
        return status

    # -- writes ----------------------------------------------------------------------------------
    def simulate(self, transaction_b64: str) -> dict[str, Any]:
        value: dict[str, Any] = self.call("simulateTransaction", [transaction_b64, {"encoding": "base64"}])[
            "value"
        ]
        return value

    def send_transaction(self, transaction_b64: str, *, skip_preflight: bool = False) -> str:
        options = {"encoding": "base64", "skipPreflight": skip_preflight, "preflightCommitment": "confirmed"}
        return str(self.call("sendTransaction", [transaction_b64, options]))

    def confirm(
        self,
        signature: str,
        *,
        timeout: float = 30.0,
        poll: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, Any]:
        """Waits until ``signature`` is confirmed; raises ``TransactionFailedError`` if it failed
        on chain and ``TimeoutError`` if it is not seen within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.signature_status(signature)
            if status is not None:
                if status.get("err") is not None:
                    raise TransactionFailedError(signature, status["err"])
                if status.get("confirmationStatus") in ("confirmed", "finalized"):
                    return status
            if time.monotonic() >= deadline:
                raise TimeoutError(f"transaction {signature} not confirmed within {timeout} s")
            sleep(poll)
