"""``ArbitrumClient``: a user's server wallet on Arbitrum — ETH/USDC balances, bridge deposits, receipts.

Hyperliquid's Bridge2 credits **plain USDC transfers to its address** (at least 5 USDC; smaller
transfers are lost). It has no ``deposit`` function and needs no ``approve``: a deposit is one
``USDC.transfer(bridge, amount)`` from the user's wallet, which is also the only EVM transaction
the shared Privy policy allows. There is therefore no approve path here (approve would be denied
by the policy and would do nothing for Bridge2). The real Bridge2 also accepts deposits authorised
by an EIP-2612 permit (``batchedDepositWithPermit``); the product does not use that path.

A deposit is refused before anything is signed when it is under the bridge minimum, over the
policy's ``max_usdc_per_tx``, over ``MAX_AUTO_BRIDGE_USDC`` (5.1a), over the wallet's USDC, or
when the wallet lacks the ETH for its gas (the gas funder tops it up). Nonce, EIP-1559 fees and gas
come from the chain (the nonce read while the wallet's sends take turns, ``nonces``); Privy signs and
broadcasts (``eth_sendTransaction``). web3 is imported lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from basis.chains.amounts import ETH_DECIMALS, USDC_DECIMALS, AmountError, from_base_units
from basis.platform.errors import InsufficientFundsError
from basis.platform.observability import logger
from basis.policies.amounts import require_bridge_deposit
from basis.policies.settings import PolicySettings, get_policy_settings
from basis.signing.errors import StaleNonceError
from basis.venues.arbitrum import nonces

if TYPE_CHECKING:
    from web3 import Web3

    from basis.signing.signer import PrivyWalletSigner

GAS_HEADROOM = Decimal("1.2")  # estimate * 1.2, as wallets do
TRANSFER_SELECTOR = "a9059cbb"  # transfer(address,uint256)
BALANCE_OF_SELECTOR = "70a08231"  # balanceOf(address)
# keccak("Transfer(address,address,uint256)"): the ERC-20 transfer event
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


@dataclass(frozen=True)
class BridgeDeposit:
    tx_hash: str
    amount_usdc: Decimal
    amount_base_units: int
    nonce: int
    gas_limit: int
    max_fee_per_gas: int


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    succeeded: bool
    block_number: int
    gas_used: int
    effective_gas_price: int

    @property
    def fee_wei(self) -> int:
        return self.gas_used * self.effective_gas_price


def transfer_calldata(to: str, amount_base_units: int) -> str:
    """ABI-encoded ``transfer(to, amount)``."""
    if amount_base_units < 0 or amount_base_units >= 2**256:
        raise ValueError("amount out of uint256 range")
    address = to.lower().removeprefix("0x")
    if len(address) != 40:
        raise ValueError(f"not an EVM address: {to!r}")
    return "0x" + TRANSFER_SELECTOR + address.rjust(64, "0") + format(amount_base_units, "064x")


class ArbitrumClient:
    def __init__(
        self,
        rpc_url: str,
        signer: PrivyWalletSigner,
        usdc_address: str,
        bridge_address: str,
        *,
        policy_settings: PolicySettings | None = None,
        max_auto_bridge_usdc: Decimal | None = None,
        timeout: float = 10.0,
    ) -> None:
        if signer.chain != "ethereum" or not signer.wallet_address:
            raise ValueError("ArbitrumClient needs an ethereum signer with its wallet address")
        self.rpc_url = rpc_url
        self.signer = signer
        self.address: str = signer.wallet_address
        self.usdc_address = usdc_address
        self.bridge_address = bridge_address
        self.policy_settings = policy_settings or get_policy_settings()
        self.max_auto_bridge_usdc = (
            max_auto_bridge_usdc
            if max_auto_bridge_usdc is not None
            else self.policy_settings.max_auto_bridge_usdc
        )
        self.timeout = timeout
        self._web3: Web3 | None = None

    @property
    def w3(self) -> Web3:
        if self._web3 is None:
            from web3 import Web3

            self._web3 = Web3(Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": self.timeout}))
        return self._web3

    def _checksum(self, address: str) -> Any:
        return self.w3.to_checksum_address(address)

    # -- balances --------------------------------------------------------------------------------
    def eth_balance_wei(self, address: str | None = None) -> int:
        return int(self.w3.eth.get_balance(self._checksum(address or self.address)))

    def eth_balance(self, address: str | None = None) -> Decimal:
        return from_base_units(self.eth_balance_wei(address), ETH_DECIMALS)

    def usdc_balance_base_units(self, address: str | None = None) -> int:
        owner = (address or self.address).lower().removeprefix("0x").rjust(64, "0")
        call: Any = {"to": self._checksum(self.usdc_address), "data": "0x" + BALANCE_OF_SELECTOR + owner}
        raw = self.w3.eth.call(call)
        return int.from_bytes(bytes(raw), "big")

    def usdc_balance(self, address: str | None = None) -> Decimal:
        return from_base_units(self.usdc_balance_base_units(address), USDC_DECIMALS)

    def usdc_received_from(self, sender: str, *, from_block: int) -> list[tuple[str, int]]:
        """``(tx hash, base units)`` of each USDC transfer from ``sender`` to this wallet since
        ``from_block``, oldest first (Bridge2's withdrawal payouts, 5.2)."""
        return self._usdc_transfers(sender, self.address, from_block)

    def usdc_sent_to(self, recipient: str, *, from_block: int) -> list[tuple[str, int]]:
        """``(tx hash, base units)`` of each USDC transfer from this wallet to ``recipient`` since
        ``from_block``, oldest first (its bridge deposits, looked for by the reconciler)."""
        return self._usdc_transfers(self.address, recipient, from_block)

    def _usdc_transfers(self, sender: str, recipient: str, from_block: int) -> list[tuple[str, int]]:
        def topic(address: str) -> str:
            return "0x" + address.lower().removeprefix("0x").rjust(64, "0")

        logs = self.w3.eth.get_logs(
            {
                "fromBlock": from_block,
                "toBlock": "latest",
                "address": self._checksum(self.usdc_address),
                "topics": [TRANSFER_TOPIC, topic(sender), topic(recipient)],
            }
        )
        return [
            ("0x" + bytes(e["transactionHash"]).hex(), int.from_bytes(bytes(e["data"]), "big")) for e in logs
        ]

    # -- the bridge deposit ----------------------------------------------------------------------
    def check_deposit(self, amount_usdc: Decimal | int | str) -> int:
        """Base units of an acceptable deposit, or ``AmountError`` (nothing is signed)."""
        units = require_bridge_deposit(amount_usdc, self.policy_settings)
        if from_base_units(units, USDC_DECIMALS) > self.max_auto_bridge_usdc:
            raise AmountError(
                f"deposit of {amount_usdc} USDC is over MAX_AUTO_BRIDGE_USDC "
                f"({self.max_auto_bridge_usdc} USDC): split it into smaller deposits"
            )
        return units

    def pending_nonce(self) -> int:
        """The wallet's next nonce as the chain sees it (its pending transactions included)."""
        return int(self.w3.eth.get_transaction_count(self._checksum(self.address), "pending"))

    def nonce_of(self, tx_hash: str) -> int:
        """The nonce ``tx_hash`` was sent with."""
        from hexbytes import HexBytes

        return int(self.w3.eth.get_transaction(HexBytes(tx_hash))["nonce"])

    def mined_nonce(self) -> int:
        """The wallet's next nonce counting mined transactions only: every lower nonce is used."""
        return int(self.w3.eth.get_transaction_count(self._checksum(self.address), "latest"))

    def deposit_to_bridge(
        self, amount_usdc: Decimal | int | str, *, idempotency_key: str | None = None
    ) -> BridgeDeposit:
        """Send ``amount_usdc`` to Bridge2 (a USDC transfer signed and broadcast by Privy).

        Sends from one wallet take turns (``nonces.taking_turns``): the pending nonce is read and the
        transfer sent while holding the wallet's nonce lease, so concurrent deposits never share a
        nonce. When the chain still refuses the nonce and nothing was broadcast (``StaleNonceError``,
        e.g. another sender used the wallet), the nonce is read again and the transfer resent, up to
        ``nonces.STALE_NONCE_RESENDS`` times. Pass the transfer's id as ``idempotency_key``: after an
        ``OutcomeUnknownError`` the saga must check the chain (the nonce moved?) before sending
        again, never just resend."""
        units = self.check_deposit(amount_usdc)
        with self._turn():
            for resend in range(nonces.STALE_NONCE_RESENDS + 1):
                tx = self.prepare_transfer("USDC", units, self.bridge_address)
                try:
                    tx_hash = self._send(tx, action="bridge_deposit", idempotency_key=idempotency_key)
                except StaleNonceError:
                    if resend == nonces.STALE_NONCE_RESENDS:
                        raise
                    logger.warning("deposit nonce was stale: resending", extra={"nonce": tx["nonce"]})
                    continue
                gas, max_fee = int(tx["gas_limit"], 16), int(tx["max_fee_per_gas"], 16)
                amount = from_base_units(units, USDC_DECIMALS)
                return BridgeDeposit(tx_hash, amount, units, tx["nonce"], gas, max_fee)
        raise AssertionError("unreachable: the last resend returns or raises")

    def prepare_transfer(self, asset: str, units: int, to: str) -> dict[str, Any]:
        """The complete EIP-1559 transaction moving ``units`` of ``asset`` (``USDC`` or ``ETH``) to
        ``to``: nonce, fees and gas from the chain. ``InsufficientFundsError`` (nothing signed) when
        the wallet lacks the asset or the ETH for gas. Keep it to resend the very same transaction."""
        if asset == "USDC":
            held = self.usdc_balance_base_units()
            if held < units:
                raise InsufficientFundsError(
                    f"wallet holds {from_base_units(held, USDC_DECIMALS)} USDC, "
                    f"cannot send {from_base_units(units, USDC_DECIMALS)}"
                )
            call_to, data, value = self.usdc_address, transfer_calldata(to, units), 0
        elif asset == "ETH":
            call_to, data, value = to, "0x", units
        else:
            raise ValueError(f"no EVM transfer of {asset!r}")
        w3 = self.w3
        sender = self._checksum(self.address)
        probe: Any = {"from": sender, "to": self._checksum(call_to), "data": data, "value": value}
        gas = int(Decimal(w3.eth.estimate_gas(probe)) * GAS_HEADROOM)
        base_fee = int(w3.eth.get_block("latest")["baseFeePerGas"])
        tip = int(w3.eth.max_priority_fee)
        max_fee = 2 * base_fee + tip
        if self.eth_balance_wei() < gas * max_fee + value:
            raise InsufficientFundsError(
                f"wallet needs {from_base_units(gas * max_fee + value, ETH_DECIMALS)} ETH "
                f"({from_base_units(gas * max_fee, ETH_DECIMALS)} of it for gas)"
            )
        return {
            "to": self._checksum(call_to),
            "data": data,
            "value": hex(value),
            "chain_id": int(w3.eth.chain_id),
            "nonce": self.pending_nonce(),
            "type": 2,
            "gas_limit": hex(gas),
            "max_fee_per_gas": hex(max_fee),
            "max_priority_fee_per_gas": hex(tip),
        }

    def send_prepared(self, tx: dict[str, Any], *, action: str, idempotency_key: str | None) -> str:
        """Privy signs and broadcasts ``tx`` in the wallet's turn; the same transaction with the same
        key is sent once (a nonce gone stale meanwhile: ``StaleNonceError``, nothing broadcast)."""
        with self._turn():
            return self._send(tx, action=action, idempotency_key=idempotency_key)

    def prepare_and_send(
        self,
        asset: str,
        units: int,
        to: str,
        *,
        record: Callable[[dict[str, Any]], None],
        action: str,
        idempotency_key: str,
    ) -> str:
        """Prepare the transfer, hand it to ``record`` (to store it: later attempts resend exactly it
        with ``send_prepared``), then send it, all in the wallet's turn: the nonce read while
        preparing is still the next one when it is sent, whatever else this wallet sends."""
        with self._turn():
            tx = self.prepare_transfer(asset, units, to)
            record(tx)
            return self._send(tx, action=action, idempotency_key=idempotency_key)

    def _turn(self) -> AbstractContextManager[None]:
        turn = self.signer.request_seconds  # one send holds the turn at most this long
        return nonces.taking_turns(
            int(self.w3.eth.chain_id), self.address, ttl_seconds=turn, wait_seconds=turn
        )

    def _send(self, tx: dict[str, Any], *, action: str, idempotency_key: str | None) -> str:
        return self.signer.send_eth_transaction(
            tx, caip2=f"eip155:{tx['chain_id']}", action=action, idempotency_key=idempotency_key
        )

    def wait_receipt(self, tx_hash: str, *, timeout: float = 120.0, poll: float = 0.25) -> Receipt:
        from hexbytes import HexBytes

        raw = self.w3.eth.wait_for_transaction_receipt(HexBytes(tx_hash), timeout=timeout, poll_latency=poll)
        return _receipt(tx_hash, raw)

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt of ``tx_hash`` now; None while it is not mined (or unknown to the chain)."""
        from hexbytes import HexBytes
        from web3.exceptions import TransactionNotFound

        try:
            return _receipt(tx_hash, self.w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
        except TransactionNotFound:
            return None


def _receipt(tx_hash: str, raw: Any) -> Receipt:
    return Receipt(
        tx_hash,
        int(raw["status"]) == 1,
        int(raw["blockNumber"]),
        int(raw["gasUsed"]),
        int(raw.get("effectiveGasPrice", 0)),
    )
