"""The Privy path hands over exactly the EIP-712 message the official SDK signs: a stand-in wallet
service that signs the JSON it receives (as Privy would) with the same key reproduces the SDK's own
signature for L1 and user-signed actions, and the wire form is the SDK's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import eth_account
from eth_account.messages import encode_typed_data
from hyperliquid.utils import signing

from basis.signing import signer as signer_module
from basis.signing.hyperliquid import l1_typed_data, split_signature, user_signed_typed_data
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner, jsonable

KEY = eth_account.Account.create()


class KeyHoldingWallets:
    """Signs ``eth_signTypedData_v4`` params as JSON, the way a Privy wallet receives them."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def rpc(self, wallet_id: str, *, wallet_rpc_request_body: dict[str, Any], **_: Any) -> Any:
        import json

        body = json.loads(json.dumps(wallet_rpc_request_body))  # what goes over the wire
        self.bodies.append(body)
        typed = dict(body["params"]["typed_data"])
        typed["primaryType"] = typed.pop("primary_type")
        signed = KEY.sign_message(encode_typed_data(full_message=typed))
        return SimpleNamespace(data=SimpleNamespace(signature="0x" + signed.signature.hex(), encoding="hex"))


class NoBreaker:
    def before_call(self) -> None: ...
    def record_success(self) -> None: ...
    def record_failure(self) -> None: ...


def privy_signer(monkeypatch: Any) -> tuple[PrivyWalletSigner, KeyHoldingWallets]:
    monkeypatch.setattr(signer_module.telemetry, "record", lambda event, **_: None)
    # withdraw3 counts against the USDC cap: keep the ledger (DynamoDB) out of these unit tests
    monkeypatch.setattr(signer_module.caps, "hold", lambda *args, **kwargs: [])
    wallets = KeyHoldingWallets()
    signer = PrivyWalletSigner(
        "did:privy:u1",
        "w1",
        KEY.address,
        "ethereum",
        breaker=NoBreaker(),
        settings=SigningSettings(),
        wallet_service=wallets,
        authorization_key="",
    )
    return signer, wallets


ORDER_ACTION = signing.order_wires_to_order_action(
    [
        signing.order_request_to_order_wire(
            {
                "coin": "ETH",
                "is_buy": False,
                "sz": 0.5,
                "limit_px": 3000.0,
                "order_type": {"limit": {"tif": "Gtc"}},
                "reduce_only": False,
            },
            1,
        )
    ],
    None,
    "na",
)


def test_l1_order_signature_via_privy_equals_the_sdk_local_signature(monkeypatch: Any) -> None:
    signer, wallets = privy_signer(monkeypatch)
    nonce = 1_700_000_000_123
    expected = signing.sign_l1_action(KEY, ORDER_ACTION, None, nonce, None, False)
    data = l1_typed_data(ORDER_ACTION, nonce, is_mainnet=False)
    assert split_signature(signer.sign_typed_data_v4(data)) == expected
    sent = wallets.bodies[0]["params"]["typed_data"]
    assert sent["primary_type"] == "Agent" and sent["message"]["source"] == "b"
    connection_id = signing.action_hash(ORDER_ACTION, None, nonce, None)
    assert sent["message"]["connectionId"] == "0x" + connection_id.hex()


def test_withdraw3_signature_via_privy_equals_the_sdk_local_signature(monkeypatch: Any) -> None:
    signer, _ = privy_signer(monkeypatch)
    action = {"destination": KEY.address, "amount": "12.5", "time": 1_700_000_000_456, "type": "withdraw3"}
    expected = signing.sign_withdraw_from_bridge_action(KEY, dict(action), True)
    mine = dict(action)
    data = user_signed_typed_data(
        mine, signing.WITHDRAW_SIGN_TYPES, "HyperliquidTransaction:Withdraw", is_mainnet=True
    )
    assert split_signature(signer.sign_typed_data_v4(data)) == expected
    assert mine["signatureChainId"] == "0x66eee" and mine["hyperliquidChain"] == "Mainnet"


def test_split_signature_normalises_v_and_rejects_bad_lengths() -> None:
    raw = "0x" + "00" * 31 + "01" + "00" * 31 + "02" + "01"
    assert split_signature(raw) == {"r": "0x1", "s": "0x2", "v": 28}
    try:
        split_signature("0x1234")
    except ValueError as exc:
        assert "65-byte" in str(exc)
    else:
        raise AssertionError("a short signature must be refused")
    assert jsonable({"a": b"\x01", "b": [b"\x02"]}) == {"a": "0x01", "b": ["0x02"]}
