"""``POST /v1/wallets/{id}/rpc``: the signing methods, answered in the SDK's response shapes."""

from __future__ import annotations

from typing import Any

from local.privy import evm, solana
from local.privy.errors import invalid
from local.privy.records import WalletRecord, new_id

EVM_METHODS = frozenset(
    {"eth_signTypedData_v4", "eth_signTransaction", "eth_sendTransaction", "personal_sign"}
)
SOLANA_METHODS = frozenset({"signTransaction", "signAndSendTransaction", "signMessage"})


def methods_for(chain_type: str) -> frozenset[str]:
    return EVM_METHODS if chain_type == "ethereum" else SOLANA_METHODS


class RpcPerformer:
    def __init__(self, evm_rpc_url: str | None, solana_rpc_url: str | None) -> None:
        self.evm = evm.EvmRpc(evm_rpc_url)
        self.solana_rpc_url = solana_rpc_url

    def perform(
        self, wallet: WalletRecord, method: str, params: dict[str, Any], caip2: str | None
    ) -> dict[str, Any]:
        if wallet.chain_type == "ethereum":
            data = self._ethereum(wallet, method, params, caip2)
        else:
            data = self._solana(wallet, method, params, caip2)
        return {"method": method, "data": data}

    def _ethereum(
        self, wallet: WalletRecord, method: str, params: dict[str, Any], caip2: str | None
    ) -> dict[str, Any]:
        key = wallet.eth_key
        if method == "eth_signTypedData_v4":
            return {"signature": evm.sign_typed_data(key, params), "encoding": "hex"}
        if method == "personal_sign":
            return {"signature": evm.personal_sign(key, params), "encoding": "hex"}
        if method == "eth_signTransaction":
            tx = evm.build_transaction(params.get("transaction"), wallet.address, caip2, self.evm)
            return {"signed_transaction": evm.sign_transaction(key, tx), "encoding": "rlp"}
        if method == "eth_sendTransaction":
            if not caip2:
                raise invalid("eth_sendTransaction requires caip2 (e.g. 'eip155:42161')")
            tx = evm.build_transaction(params.get("transaction"), wallet.address, caip2, self.evm)
            chain = evm.chain_id_of(caip2)
            if chain is not None and tx["chainId"] != chain:
                raise invalid(f"transaction.chain_id {tx['chainId']} does not match caip2 {caip2}")
            tx_hash = self.evm.call("eth_sendRawTransaction", [evm.sign_transaction(key, tx)])
            return {"hash": tx_hash, "caip2": caip2, "transaction_id": new_id()}
        raise invalid(f"method {method!r} is not supported for ethereum wallets")

    def _solana(
        self, wallet: WalletRecord, method: str, params: dict[str, Any], caip2: str | None
    ) -> dict[str, Any]:
        keypair = wallet.keypair
        if method == "signMessage":
            return {"signature": solana.sign_message(keypair, params), "encoding": "base64"}
        if method == "signTransaction":
            return {"signed_transaction": solana.sign_transaction(keypair, params), "encoding": "base64"}
        if method == "signAndSendTransaction":
            if not caip2:
                raise invalid(
                    "signAndSendTransaction requires caip2 (e.g. 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')"
                )
            signed = solana.sign_transaction(keypair, params)
            signature = solana.send_transaction(self.solana_rpc_url, signed)
            return {
                "hash": signature,
                "caip2": caip2,
                "signed_transaction": signed,
                "transaction_id": new_id(),
            }
        raise invalid(f"method {method!r} is not supported for solana wallets")
