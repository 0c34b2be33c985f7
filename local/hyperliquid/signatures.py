"""Who signed an ``/exchange`` request, recovered with the official SDK's own EIP-712 hashing.

L1 actions (order, cancel, updateLeverage) sign a phantom agent whose ``connectionId`` is the
msgpack hash of the action, nonce, vault address and expiry; user-signed actions (withdraw3,
usdClassTransfer) sign the action itself under the ``HyperliquidSignTransaction`` domain. Any change
to the action, nonce or expiry therefore recovers a different address.
"""

from __future__ import annotations

from typing import Any

from hyperliquid.utils import signing

# action type -> (EIP-712 primary type, field types, the action field that must equal the nonce)
USER_SIGNED: dict[str, tuple[str, list[dict[str, str]], str]] = {
    "withdraw3": ("HyperliquidTransaction:Withdraw", signing.WITHDRAW_SIGN_TYPES, "time"),
    "usdClassTransfer": (
        "HyperliquidTransaction:UsdClassTransfer",
        signing.USD_CLASS_TRANSFER_SIGN_TYPES,
        "nonce",
    ),
}
L1_ACTIONS = {"order", "cancel", "cancelByCloid", "updateLeverage"}


class SignatureError(ValueError):
    """The request's signature cannot be checked or does not belong to this environment."""


def _signature(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not {"r", "s", "v"} <= raw.keys():
        raise SignatureError("signature must be an object with r, s and v")
    try:
        v = int(raw["v"])
        r = int(str(raw["r"]), 16)
        s = int(str(raw["s"]), 16)
    except (TypeError, ValueError) as exc:
        raise SignatureError(f"malformed signature: {exc}") from exc
    return {"v": v, "r": r, "s": s}


def recover_signer(
    action: dict[str, Any],
    signature: Any,
    nonce: int,
    vault_address: str | None,
    expires_after: int | None,
    is_mainnet: bool,
) -> str:
    """The lower-case address whose key signed this request, or ``SignatureError``."""
    sig = _signature(signature)
    kind = action.get("type")
    try:
        if kind in USER_SIGNED:
            primary_type, types, nonce_field = USER_SIGNED[kind]
            expected_chain = "Mainnet" if is_mainnet else "Testnet"
            if action.get("hyperliquidChain") != expected_chain:
                raise SignatureError(f"hyperliquidChain must be {expected_chain}")
            if not isinstance(action.get("signatureChainId"), str):
                raise SignatureError("signatureChainId missing")
            if action.get(nonce_field) != nonce:
                raise SignatureError(f"action {nonce_field} must equal the request nonce")
            address = signing.recover_user_from_user_signed_action(
                dict(action), sig, types, primary_type, is_mainnet
            )
        elif kind in L1_ACTIONS:
            address = signing.recover_agent_or_user_from_l1_action(
                action, sig, vault_address, nonce, expires_after, is_mainnet
            )
        else:
            raise SignatureError(f"unsupported action type {kind!r}")
    except SignatureError:
        raise
    except Exception as exc:  # malformed payloads make the hashing itself fail
        raise SignatureError(f"cannot verify signature: {exc}") from exc
    return str(address).lower()
