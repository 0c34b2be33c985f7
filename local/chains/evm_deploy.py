"""Deploy USDC and Bridge2 on a local anvil at fixed, configurable addresses.

Each contract is deployed normally (its constructor runs), then its runtime code and the storage
slots its constructor wrote are copied to the configured address with ``anvil_setCode`` /
``anvil_setStorageAt``. The contracts have no immutables and compute the EIP-712 domain from
``address(this)`` and ``block.chainid``, so the copy behaves exactly like a contract deployed there.
The defaults are the real Arbitrum addresses, so the product's configuration looks the same.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from eth_typing import ChecksumAddress, HexAddress, HexStr
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint, TxParams, TxReceipt, Wei

from local.chains.dev_accounts import BRIDGE_OPERATOR, FAUCET, DevAccount
from local.chains.evm_artefacts import abi, load_artefact

USDC_ADDRESS = ChecksumAddress(HexAddress(HexStr("0xaf88d065e77c8cC2239327C5EDb3A432268e5831")))
BRIDGE2_ADDRESS = ChecksumAddress(HexAddress(HexStr("0x2Df1c51E09aECF9cacB7bc98cB1742757f163dF7")))
DEFAULT_DISPUTE_PERIOD_SECONDS = 2
USDC_DECIMALS = 6

_send_lock = threading.Lock()


@dataclass(frozen=True)
class EvmDeployment:
    rpc_url: str
    chain_id: int
    usdc_address: ChecksumAddress
    bridge_address: ChecksumAddress
    owner: ChecksumAddress  # USDC minter (the faucet) and Bridge2 owner
    operator: ChecksumAddress  # requests and finalizes Bridge2 withdrawals
    dispute_period_seconds: int

    def web3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": 10}))

    def usdc(self, w3: Web3 | None = None) -> Contract:
        return (w3 or self.web3()).eth.contract(address=self.usdc_address, abi=abi("USDC"))

    def bridge(self, w3: Web3 | None = None) -> Contract:
        return (w3 or self.web3()).eth.contract(address=self.bridge_address, abi=abi("Bridge2"))


def rpc(w3: Web3, method: str, params: list[Any]) -> Any:
    response = w3.provider.make_request(RPCEndpoint(method), params)
    if "error" in response:
        raise RuntimeError(f"{method} failed: {response['error']}")
    return response.get("result")


def send_transaction(w3: Web3, sender: DevAccount, tx: TxParams) -> TxReceipt:
    """Sign ``tx`` locally with ``sender``'s key, send it, wait for it; raises if it reverted."""
    with _send_lock:
        tx = dict(tx)  # type: ignore[assignment]
        tx.setdefault("from", Web3.to_checksum_address(sender.address))
        tx.setdefault("chainId", w3.eth.chain_id)
        tx.setdefault(
            "nonce", w3.eth.get_transaction_count(Web3.to_checksum_address(sender.address), "pending")
        )
        if "gas" not in tx:
            tx["gas"] = w3.eth.estimate_gas(tx)
        if "maxFeePerGas" not in tx and "gasPrice" not in tx:
            tip = w3.to_wei(1, "gwei")
            tx["maxPriorityFeePerGas"] = tip
            tx["maxFeePerGas"] = Wei(2 * w3.eth.get_block("latest")["baseFeePerGas"] + tip)
        signed = sender.signer().sign_transaction(tx)  # type: ignore[arg-type]
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return receipt


def _constructor_slots(name: str, read: Any) -> list[int]:
    """The storage slots a fresh deployment of ``name`` may have written (mappings start empty)."""
    layout = load_artefact(name)["storageLayout"]
    slots: set[int] = set()
    for entry in layout["storage"]:
        slot, kind = int(entry["slot"]), layout["types"][entry["type"]]
        if kind["encoding"] == "inplace":
            slots.update(range(slot, slot + (int(kind["numberOfBytes"]) + 31) // 32))
        elif kind["encoding"] == "bytes":
            slots.add(slot)
            word = int.from_bytes(read(slot), "big")
            if word & 1:  # long string/bytes: data lives at keccak(slot)
                data = int.from_bytes(Web3.keccak(slot.to_bytes(32, "big")), "big")
                slots.update(range(data, data + ((word - 1) // 2 + 31) // 32))
        elif kind["encoding"] != "mapping":
            raise NotImplementedError(f"{name}.{entry['label']}: {kind['encoding']} storage is not copied")
    return sorted(slots)


def _deploy_at(w3: Web3, name: str, target: ChecksumAddress, args: list[Any], deployer: DevAccount) -> None:
    artefact = load_artefact(name)
    factory = w3.eth.contract(abi=artefact["abi"], bytecode=artefact["bytecode"])
    data = factory.constructor(*args).data_in_transaction
    receipt = send_transaction(w3, deployer, {"data": data})
    temporary = receipt["contractAddress"]
    assert temporary is not None
    code = w3.eth.get_code(temporary)
    rpc(w3, "anvil_setCode", [target, Web3.to_hex(code)])
    zero = "0x" + "00" * 32
    for slot in _constructor_slots(name, lambda s: w3.eth.get_storage_at(temporary, s)):
        value = Web3.to_hex(w3.eth.get_storage_at(temporary, slot).rjust(32, b"\0"))
        rpc(w3, "anvil_setStorageAt", [target, Web3.to_hex(slot.to_bytes(32, "big")), value])
        rpc(w3, "anvil_setStorageAt", [temporary, Web3.to_hex(slot.to_bytes(32, "big")), zero])
    rpc(w3, "anvil_setCode", [temporary, "0x"])  # leave no second copy around
    if Web3.to_hex(w3.eth.get_code(target)) != artefact["deployedBytecode"]:
        raise RuntimeError(f"{name} at {target} does not carry the committed runtime code")


def deploy(
    rpc_url: str,
    usdc_address: str = USDC_ADDRESS,
    bridge_address: str = BRIDGE2_ADDRESS,
    operator: str = BRIDGE_OPERATOR.address,
    dispute_period_seconds: int = DEFAULT_DISPUTE_PERIOD_SECONDS,
    deployer: DevAccount = FAUCET,
) -> EvmDeployment:
    """Deploy USDC (owner/minter: ``deployer``) and Bridge2 (``operator``) at the given addresses.

    Idempotent: when both addresses already carry these contracts with the same operator, the
    existing deployment (balances included) is returned untouched. Other code there is an error.
    """
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
    deployment = EvmDeployment(
        rpc_url=rpc_url,
        chain_id=w3.eth.chain_id,
        usdc_address=Web3.to_checksum_address(usdc_address),
        bridge_address=Web3.to_checksum_address(bridge_address),
        owner=Web3.to_checksum_address(deployer.address),
        operator=Web3.to_checksum_address(operator),
        dispute_period_seconds=dispute_period_seconds,
    )
    if deployment.usdc_address == deployment.bridge_address:
        raise ValueError("USDC and Bridge2 need different addresses")
    existing = {
        name: Web3.to_hex(w3.eth.get_code(address))
        for name, address in (("USDC", deployment.usdc_address), ("Bridge2", deployment.bridge_address))
    }
    if all(code == load_artefact(name)["deployedBytecode"] for name, code in existing.items()):
        return _check_existing(w3, deployment)
    for name, code in existing.items():
        if code not in ("0x", "0x0"):
            raise RuntimeError(f"{name} address already holds other code; start from a fresh anvil")
    _deploy_at(w3, "USDC", deployment.usdc_address, [deployment.owner], deployer)
    _deploy_at(
        w3,
        "Bridge2",
        deployment.bridge_address,
        [deployment.usdc_address, deployment.operator, dispute_period_seconds],
        deployer,
    )
    return _check_existing(w3, deployment)


def _check_existing(w3: Web3, deployment: EvmDeployment) -> EvmDeployment:
    usdc, bridge = deployment.usdc(w3), deployment.bridge(w3)
    found = {
        "usdc.owner": usdc.functions.owner().call(),
        "usdc.decimals": usdc.functions.decimals().call(),
        "bridge.usdc": bridge.functions.usdc().call(),
        "bridge.operator": bridge.functions.operator().call(),
        "bridge.disputePeriodSeconds": bridge.functions.disputePeriodSeconds().call(),
    }
    expected = {
        "usdc.owner": deployment.owner,
        "usdc.decimals": USDC_DECIMALS,
        "bridge.usdc": deployment.usdc_address,
        "bridge.operator": deployment.operator,
        "bridge.disputePeriodSeconds": deployment.dispute_period_seconds,
    }
    if found != expected:
        raise RuntimeError(f"deployed contracts differ from the requested configuration: {found}")
    return deployment
