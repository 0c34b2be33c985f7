"""Hyperliquid actions signed by a Privy server wallet, byte-for-byte what the official SDK signs.

The EIP-712 payloads come from ``hyperliquid.utils.signing`` itself (``action_hash``,
``construct_phantom_agent``, ``l1_payload``, ``user_signed_payload`` and the ``*_SIGN_TYPES``);
only the SDK's last step (``sign_inner``: sign with a local key) is replaced by Privy's
``eth_signTypedData_v4`` through ``PrivyWalletSigner``, so every signature still passes the signing
layer (preflight, breaker, retries, telemetry). Actions are built as ``hyperliquid.exchange.Exchange``
builds them and posted to ``/exchange`` with its payload shape.

* L1 actions (``order``, ``cancel``, ``update_leverage``) sign a phantom agent (domain
  ``Exchange``, chain 1337) whose ``connectionId`` is the msgpack hash of the action and nonce.
* User-signed actions (``withdraw`` = ``withdraw3``, ``usd_class_transfer``) sign the action under
  ``HyperliquidSignTransaction`` with ``signatureChainId`` 0x66eee, as the SDK does.

Every action's nonce comes from ``next_nonce``: never the same twice for one signer, whichever
container signs (the SDK's millisecond clock collides when one user's actions are signed at once,
and Hyperliquid refuses the duplicate after Privy has signed it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from hyperliquid.api import API
from hyperliquid.utils import signing
from hyperliquid.utils.constants import MAINNET_API_URL

from basis.chains.hyperliquid import SIGNATURE_CHAIN_ID_HEX
from basis.platform import flags

if TYPE_CHECKING:
    from hyperliquid.info import Info
    from hyperliquid.utils.types import Cloid

    from basis.signing.signer import PrivyWalletSigner


def next_nonce(address: str) -> int:
    """A nonce for an action of ``address`` that no earlier action of it had, in any container: the
    clock in milliseconds, or one more than the last nonce handed out when that is later (one
    conditional DynamoDB update). Strictly increasing per signer, so Hyperliquid's rules (unique,
    above the smallest of the 100 highest, within a day of its clock) hold under any concurrency."""
    return flags.raise_counter(f"hyperliquid-nonce#{address.lower()}", at_least=signing.get_timestamp_ms())


def l1_typed_data(
    action: dict[str, Any],
    nonce: int,
    *,
    is_mainnet: bool,
    vault_address: str | None = None,
    expires_after: int | None = None,
) -> dict[str, Any]:
    """The EIP-712 message the SDK's ``sign_l1_action`` signs for this action."""
    connection_id = signing.action_hash(action, vault_address, nonce, expires_after)
    return signing.l1_payload(signing.construct_phantom_agent(connection_id, is_mainnet))


def user_signed_typed_data(
    action: dict[str, Any], payload_types: list[dict[str, str]], primary_type: str, *, is_mainnet: bool
) -> dict[str, Any]:
    """The EIP-712 message the SDK's ``sign_user_signed_action`` signs; stamps the action's
    ``signatureChainId`` and ``hyperliquidChain`` exactly as the SDK does (in place)."""
    action["signatureChainId"] = SIGNATURE_CHAIN_ID_HEX  # what the SDK stamps on every one
    action["hyperliquidChain"] = "Mainnet" if is_mainnet else "Testnet"
    return signing.user_signed_payload(primary_type, payload_types, action)


def split_signature(signature_hex: str) -> dict[str, Any]:
    """A 65-byte r||s||v hex signature in the SDK's wire form ``{"r": hex, "s": hex, "v": 27|28}``."""
    raw = bytes.fromhex(signature_hex.removeprefix("0x"))
    if len(raw) != 65:
        raise ValueError(f"expected a 65-byte signature, got {len(raw)} bytes")
    v = raw[64] + 27 if raw[64] < 27 else raw[64]
    return {"r": hex(int.from_bytes(raw[:32], "big")), "s": hex(int.from_bytes(raw[32:64], "big")), "v": v}


class PrivyHyperliquidExchange(API):
    """The subset of ``hyperliquid.exchange.Exchange`` the product uses, signing through Privy."""

    def __init__(
        self,
        signer: PrivyWalletSigner,
        base_url: str,
        *,
        is_mainnet: bool | None = None,
        timeout: float = 10.0,
        info: Info | None = None,
        nonces: Callable[[], int] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """``nonces``: where each action's nonce comes from (``next_nonce`` of the wallet by default).
        ``idempotency_key``: what user-signed actions (withdraw3, usdClassTransfer) are signed under,
        e.g. a withdrawal's transfer id, so that signing its action again counts once against the
        caps; an exchange built with one serves that one operation."""
        super().__init__(base_url, timeout)
        if signer.chain != "ethereum" or not signer.wallet_address:
            raise ValueError("Hyperliquid signs with the user's EVM wallet (its address is required)")
        self.signer = signer
        # The SDK signs as mainnet only for the mainnet URL; anything else is testnet.
        self.is_mainnet = base_url == MAINNET_API_URL if is_mainnet is None else is_mainnet
        self.expires_after: int | None = None
        self._info = info
        self._nonce = nonces or partial(next_nonce, signer.wallet_address)
        self._idempotency_key = idempotency_key

    @property
    def info(self) -> Info:
        if self._info is None:
            from hyperliquid.info import Info

            self._info = Info(self.base_url, skip_ws=True, timeout=self.timeout)
        return self._info

    # -- signing ---------------------------------------------------------------------------------
    def sign_l1_action(self, action: dict[str, Any], nonce: int) -> dict[str, Any]:
        data = l1_typed_data(action, nonce, is_mainnet=self.is_mainnet, expires_after=self.expires_after)
        return split_signature(self.signer.sign_typed_data_v4(data, action=f"hyperliquid:{action['type']}"))

    def sign_user_signed_action(
        self, action: dict[str, Any], payload_types: list[dict[str, str]], primary_type: str
    ) -> dict[str, Any]:
        data = user_signed_typed_data(action, payload_types, primary_type, is_mainnet=self.is_mainnet)
        signature = self.signer.sign_typed_data_v4(
            data, action=f"hyperliquid:{action['type']}", idempotency_key=self._idempotency_key
        )
        return split_signature(signature)

    def _post_action(self, action: dict[str, Any], signature: dict[str, Any], nonce: int) -> Any:
        user_signed = action["type"] in ("usdClassTransfer", "withdraw3")
        payload = {
            "action": action,
            "nonce": nonce,
            "signature": signature,
            "vaultAddress": None,
            "expiresAfter": None if user_signed else self.expires_after,
        }
        return self.post("/exchange", payload)

    # -- L1 actions ------------------------------------------------------------------------------
    def order(
        self,
        name: str,
        is_buy: bool,
        sz: float,
        limit_px: float,
        order_type: dict[str, Any],
        reduce_only: bool = False,
        cloid: Cloid | None = None,
    ) -> Any:
        request: dict[str, Any] = {
            "coin": name,
            "is_buy": is_buy,
            "sz": sz,
            "limit_px": limit_px,
            "order_type": order_type,
            "reduce_only": reduce_only,
        }
        if cloid:
            request["cloid"] = cloid
        wire = signing.order_request_to_order_wire(request, self.info.name_to_asset(name))
        action = signing.order_wires_to_order_action([wire], None, "na")
        nonce = self._nonce()
        return self._post_action(action, self.sign_l1_action(action, nonce), nonce)

    def cancel(self, name: str, oid: int) -> Any:
        action = {"type": "cancel", "cancels": [{"a": self.info.name_to_asset(name), "o": oid}]}
        nonce = self._nonce()
        return self._post_action(action, self.sign_l1_action(action, nonce), nonce)

    def update_leverage(self, leverage: int, name: str, is_cross: bool = True) -> Any:
        action = {
            "type": "updateLeverage",
            "asset": self.info.name_to_asset(name),
            "isCross": is_cross,
            "leverage": leverage,
        }
        nonce = self._nonce()
        return self._post_action(action, self.sign_l1_action(action, nonce), nonce)

    # -- user-signed actions ---------------------------------------------------------------------
    def withdraw(self, amount: float | str, destination: str) -> Any:
        """``withdraw3``: USDC from Hyperliquid to ``destination`` on Arbitrum (1 USDC fee)."""
        nonce = self._nonce()
        action = {"destination": destination, "amount": str(amount), "time": nonce, "type": "withdraw3"}
        signature = self.sign_user_signed_action(
            action, signing.WITHDRAW_SIGN_TYPES, "HyperliquidTransaction:Withdraw"
        )
        return self._post_action(action, signature, nonce)

    def usd_class_transfer(self, amount: float | str, to_perp: bool) -> Any:
        nonce = self._nonce()
        action = {"type": "usdClassTransfer", "amount": str(amount), "toPerp": to_perp, "nonce": nonce}
        signature = self.sign_user_signed_action(
            action, signing.USD_CLASS_TRANSFER_SIGN_TYPES, "HyperliquidTransaction:UsdClassTransfer"
        )
        return self._post_action(action, signature, nonce)
