"""``GasFunder`` (seed 5.2b / N4): keeps users' server EVM wallets stocked with ETH for gas.

The shared Privy policy denies every native ETH transfer *from* a server wallet, so gas comes from a
platform funder account whose key is a deployment secret (``gas_funder_private_key``). A wallet
under ``threshold_eth`` (0.002) is topped up to ``top_up_to_eth`` (0.005).

At most one top-up per user per window (default one hour), even with concurrent runs: before
sending, the run takes the lease ``gas-topup#<user>`` for one window (a conditional write on a claim
item, ``basis.platform.leases``) and keeps it after a successful send, so any other run in the same window
finds it held and sends nothing. The lease is released when nothing was sent (balance already fine,
funder low, nothing broadcast) so a later run may try again; once a transaction is broadcast the
claim is kept even if confirming it fails, so a slow receipt never causes a second send.
The funder's balance is re-read before every send; when it cannot cover a top-up plus its own
gas and ``funder_reserve_eth``, the run stops (``FunderLowError``) rather than sending a partial amount.
Sends are serialized across every process and container by a funder-wide lease
(``gas-funder#<address>``, held from reading the funder's pending nonce until the node accepted the
transaction), so two workers never sign the same nonce.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from basis.chains.amounts import ETH_DECIMALS, to_base_units
from basis.platform import leases
from basis.platform.observability import logger

if TYPE_CHECKING:
    from web3 import Web3

TRANSFER_GAS = 21_000
# The funder-wide send lease: long enough for one nonce read + broadcast, waited for by the others.
SEND_LEASE_SECONDS = 30
SEND_LEASE_WAIT_SECONDS = 60.0


class FunderLowError(RuntimeError):
    """The funder account cannot cover another top-up; fund it (an operator alert)."""


@dataclass(frozen=True)
class TopUp:
    user_id: str
    address: str
    status: str  # "funded" | "sufficient" | "already_funded" | "funder_low" | "error"
    balance_wei: int
    amount_wei: int = 0
    tx_hash: str | None = None
    error: str | None = None


class GasFunder:
    def __init__(
        self,
        rpc_url: str,
        funder_private_key: str,
        *,
        threshold_eth: Decimal = Decimal("0.002"),
        top_up_to_eth: Decimal = Decimal("0.005"),
        funder_reserve_eth: Decimal = Decimal(0),
        window_seconds: int = 3600,
        receipt_timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not funder_private_key:
            raise ValueError("the gas funder needs its private key (secret gas_funder_private_key)")
        if top_up_to_eth <= threshold_eth:
            raise ValueError("top_up_to_eth must be above threshold_eth")
        self.rpc_url = rpc_url
        self._key = funder_private_key
        self.threshold_wei = to_base_units(threshold_eth, ETH_DECIMALS, exact=False)
        self.target_wei = to_base_units(top_up_to_eth, ETH_DECIMALS, exact=False)
        self.reserve_wei = to_base_units(funder_reserve_eth, ETH_DECIMALS, exact=False)
        self.window_seconds = window_seconds
        self.receipt_timeout = receipt_timeout
        self._clock = clock
        self._web3: Web3 | None = None
        self._address: str | None = None

    def __repr__(self) -> str:  # never print the key
        return f"GasFunder(funder={self.funder_address})"

    @classmethod
    def from_config(cls, **kwargs: Any) -> GasFunder:
        from basis.platform.config import get_settings
        from basis.platform.secrets import get_secrets

        key = get_secrets().gas_funder_private_key or ""
        return cls(str(get_settings().arbitrum_rpc_url).rstrip("/"), key, **kwargs)

    @property
    def w3(self) -> Web3:
        if self._web3 is None:
            from web3 import Web3

            self._web3 = Web3(Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": 10}))
        return self._web3

    @property
    def funder_address(self) -> str:
        if self._address is None:
            from eth_account import Account

            self._address = str(Account.from_key(self._key).address)
        return self._address

    def balance_wei(self, address: str) -> int:
        return int(self.w3.eth.get_balance(self.w3.to_checksum_address(address)))

    def funder_balance_wei(self) -> int:
        return self.balance_wei(self.funder_address)

    # -- one user ---------------------------------------------------------------------------------
    def fund_if_needed(self, user_id: str, address: str) -> TopUp:
        """Top ``address`` up to the target when under the threshold; raises ``FunderLowError``."""
        balance = self.balance_wei(address)
        if balance >= self.threshold_wei:
            return TopUp(user_id, address, "sufficient", balance)
        name = f"gas-topup#{user_id}"  # one lease per user, alive for a whole window from the top-up
        try:
            owner = leases.acquire(name, self.window_seconds, now=self._clock())
        except leases.LeaseHeldError:
            return TopUp(user_id, address, "already_funded", balance)
        sent = False
        try:
            balance = self.balance_wei(address)  # re-read under the lease
            if balance >= self.threshold_wei:
                return TopUp(user_id, address, "sufficient", balance)
            amount = self.target_wei - balance
            tx_hash = self._broadcast(address, amount)
            sent = True  # broadcast: from here on the window's claim is kept, whatever happens
            self._confirm(tx_hash)
            logger.info(
                "gas top-up sent",
                extra={"user_id": user_id, "address": address, "amount_wei": amount, "tx_hash": tx_hash},
            )
            return TopUp(user_id, address, "funded", balance, amount, tx_hash)
        finally:
            if not sent:
                leases.release(name, owner)

    def _broadcast(self, to: str, amount: int) -> str:
        from eth_account import Account

        w3 = self.w3
        with leases.lease(
            f"gas-funder#{self.funder_address.lower()}",
            SEND_LEASE_SECONDS,
            wait_seconds=SEND_LEASE_WAIT_SECONDS,
        ):
            base_fee = int(w3.eth.get_block("latest")["baseFeePerGas"])
            tip = int(w3.eth.max_priority_fee)
            max_fee = 2 * base_fee + tip
            needed = amount + TRANSFER_GAS * max_fee + self.reserve_wei
            available = self.funder_balance_wei()  # re-checked before every send
            if available < needed:
                logger.error(
                    "gas funder is low",
                    extra={"funder": self.funder_address, "balance_wei": available, "needed_wei": needed},
                )
                raise FunderLowError(f"funder {self.funder_address} holds {available} wei, needs {needed}")
            funder = w3.to_checksum_address(self.funder_address)
            tx = {
                "to": w3.to_checksum_address(to),
                "value": amount,
                "gas": TRANSFER_GAS,
                "type": 2,
                "maxFeePerGas": max_fee,
                "maxPriorityFeePerGas": tip,
                "chainId": int(w3.eth.chain_id),
                "nonce": int(w3.eth.get_transaction_count(funder, "pending")),
            }
            signed = Account.sign_transaction(tx, self._key)
            return "0x" + bytes(w3.eth.send_raw_transaction(signed.raw_transaction)).hex()

    def _confirm(self, tx_hash: str) -> None:
        from hexbytes import HexBytes

        receipt = self.w3.eth.wait_for_transaction_receipt(
            HexBytes(tx_hash), timeout=self.receipt_timeout, poll_latency=0.2
        )
        if int(receipt["status"]) != 1:
            raise RuntimeError(f"gas top-up {tx_hash} reverted")

    # -- a run over many users ------------------------------------------------------------------
    def check_and_fund_users(self, users: Iterable[tuple[str, str]]) -> list[TopUp]:
        """One pass over ``(user_id, evm_address)``: one user's error does not stop the others; a
        low funder stops the pass (the remaining users are reported ``funder_low``)."""
        results: list[TopUp] = []
        pending = list(users)
        for index, (user_id, address) in enumerate(pending):
            try:
                results.append(self.fund_if_needed(user_id, address))
            except FunderLowError as exc:
                results.extend(TopUp(u, a, "funder_low", 0, error=str(exc)) for u, a in pending[index:])
                break
            except Exception as exc:
                logger.exception("gas top-up failed", extra={"user_id": user_id, "address": address})
                results.append(TopUp(user_id, address, "error", 0, error=f"{type(exc).__name__}: {exc}"))
        return results
