"""The local Arbitrum: anvil with USDC (EIP-2612) and Bridge2 at fixed addresses, driven with web3."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_typing import HexStr
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.types import TxParams

from local.chains.anvil import Anvil
from local.chains.dev_accounts import BRIDGE_OPERATOR, FAUCET, GAS_FUNDER, DevAccount
from local.chains.evm_artefacts import load_artefact
from local.chains.evm_deploy import (
    BRIDGE2_ADDRESS,
    USDC_ADDRESS,
    EvmDeployment,
    deploy,
    rpc,
    send_transaction,
)
from local.chains.evm_funding import fund_eth, mint_usdc, usdc_balance
from local.runtime.ports import free_port

pytestmark = pytest.mark.integration

USDC = 1_000_000


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anvil]:
    chain = Anvil(log_dir=tmp_path_factory.mktemp("anvil-logs"))
    chain.start(free_port(), block_time=1)
    try:
        yield chain
    finally:
        chain.stop()


@pytest.fixture(scope="module")
def deployment(anvil: Anvil) -> EvmDeployment:
    return deploy(anvil.rpc_url)


@pytest.fixture(scope="module")
def w3(anvil: Anvil) -> Web3:
    return Web3(Web3.HTTPProvider(anvil.rpc_url))


def new_user(rpc_url: str) -> DevAccount:
    account = Account.create()
    fund_eth(rpc_url, account.address, 10**17)
    return DevAccount("user", account.address, account.key.hex())


def transact(w3: Web3, sender: DevAccount, to: str, data: str, gas: int | None = None) -> None:
    tx: TxParams = {"to": Web3.to_checksum_address(to), "data": HexStr(data)}
    if gas is not None:  # skip eth_estimateGas, so a revert happens on chain
        tx["gas"] = gas
    send_transaction(w3, sender, tx)


def test_contracts_sit_at_the_configured_addresses(deployment: EvmDeployment, w3: Web3) -> None:
    assert deployment.usdc_address == USDC_ADDRESS
    assert deployment.bridge_address == BRIDGE2_ADDRESS
    assert deployment.chain_id == 42161 == w3.eth.chain_id
    assert Web3.to_hex(w3.eth.get_code(USDC_ADDRESS)) == load_artefact("USDC")["deployedBytecode"]
    assert Web3.to_hex(w3.eth.get_code(BRIDGE2_ADDRESS)) == load_artefact("Bridge2")["deployedBytecode"]
    usdc, bridge = deployment.usdc(w3), deployment.bridge(w3)
    assert usdc.functions.name().call() == "USD Coin"
    assert usdc.functions.symbol().call() == "USDC"
    assert usdc.functions.decimals().call() == 6
    assert usdc.functions.version().call() == "2"
    assert usdc.functions.owner().call() == FAUCET.address
    assert bridge.functions.usdc().call() == USDC_ADDRESS
    assert bridge.functions.operator().call() == BRIDGE_OPERATOR.address
    assert bridge.functions.owner().call() == FAUCET.address
    assert bridge.functions.disputePeriodSeconds().call() == 2
    assert bridge.functions.MIN_DEPOSIT_USD().call() == 5 * USDC


def test_deploy_is_idempotent_and_other_addresses_are_configurable(
    anvil: Anvil, deployment: EvmDeployment, w3: Web3
) -> None:
    user = new_user(anvil.rpc_url)
    mint_usdc(deployment, user.address, 7 * USDC)
    assert deploy(anvil.rpc_url) == deployment
    assert usdc_balance(deployment, user.address) == 7 * USDC  # redeploy kept the balances
    other = deploy(
        anvil.rpc_url,
        usdc_address="0x" + "11" * 20,
        bridge_address="0x" + "22" * 20,
        operator=GAS_FUNDER.address,
        dispute_period_seconds=60,
    )
    assert other.bridge(w3).functions.usdc().call() == Web3.to_checksum_address("0x" + "11" * 20)
    assert other.bridge(w3).functions.operator().call() == GAS_FUNDER.address
    assert other.usdc(w3).functions.decimals().call() == 6
    assert usdc_balance(other, user.address) == 0
    with pytest.raises(RuntimeError, match="other code"):
        deploy(anvil.rpc_url, usdc_address="0x" + "33" * 20, bridge_address=USDC_ADDRESS)


def test_domain_separator_is_the_eip712_domain_of_this_chain_and_address(
    deployment: EvmDeployment, w3: Web3
) -> None:
    domain = {"name": "USD Coin", "version": "2", "chainId": 42161, "verifyingContract": USDC_ADDRESS}
    expected = encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Empty": [],
            },
            "primaryType": "Empty",
            "domain": domain,
            "message": {},
        }
    ).header
    assert deployment.usdc(w3).functions.DOMAIN_SEPARATOR().call() == expected


def permit_signature(
    deployment: EvmDeployment, holder: DevAccount, spender: str, value: int, nonce: int, deadline: int
) -> tuple[int, bytes, bytes]:
    signed = Account.sign_typed_data(
        holder.private_key,
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Permit": [
                    {"name": "owner", "type": "address"},
                    {"name": "spender", "type": "address"},
                    {"name": "value", "type": "uint256"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "deadline", "type": "uint256"},
                ],
            },
            "primaryType": "Permit",
            "domain": {
                "name": "USD Coin",
                "version": "2",
                "chainId": deployment.chain_id,
                "verifyingContract": deployment.usdc_address,
            },
            "message": {
                "owner": holder.address,
                "spender": spender,
                "value": value,
                "nonce": nonce,
                "deadline": deadline,
            },
        },
    )
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def test_permit_sets_allowance_once_and_rejects_replays_and_forgeries(
    anvil: Anvil, deployment: EvmDeployment, w3: Web3
) -> None:
    holder, relayer = new_user(anvil.rpc_url), new_user(anvil.rpc_url)
    usdc = deployment.usdc(w3)
    mint_usdc(deployment, holder.address, 50 * USDC)
    deadline = w3.eth.get_block("latest")["timestamp"] + 3600
    v, r, s = permit_signature(deployment, holder, relayer.address, 20 * USDC, 0, deadline)
    permit = usdc.encode_abi("permit", args=[holder.address, relayer.address, 20 * USDC, deadline, v, r, s])

    transact(w3, relayer, deployment.usdc_address, permit)  # the relayer pays the gas
    assert usdc.functions.allowance(holder.address, relayer.address).call() == 20 * USDC
    assert usdc.functions.nonces(holder.address).call() == 1
    with pytest.raises(ContractLogicError, match="invalid signature"):
        transact(w3, relayer, deployment.usdc_address, permit)  # replay: the nonce moved on

    transact(
        w3,
        relayer,
        deployment.usdc_address,
        usdc.encode_abi("transferFrom", args=[holder.address, relayer.address, 15 * USDC]),
    )
    assert usdc_balance(deployment, relayer.address) == 15 * USDC
    assert usdc.functions.allowance(holder.address, relayer.address).call() == 5 * USDC

    forger = new_user(anvil.rpc_url)
    v, r, s = permit_signature(deployment, forger, relayer.address, 10**12, 1, deadline)
    forged = usdc.encode_abi("permit", args=[holder.address, relayer.address, 10**12, deadline, v, r, s])
    with pytest.raises(ContractLogicError, match="invalid signature"):
        transact(w3, relayer, deployment.usdc_address, forged)
    v, r, s = permit_signature(deployment, holder, relayer.address, 1, 1, deadline - 7200)
    expired = usdc.encode_abi("permit", args=[holder.address, relayer.address, 1, deadline - 7200, v, r, s])
    with pytest.raises(ContractLogicError, match="expired"):
        transact(w3, relayer, deployment.usdc_address, expired)
    assert usdc.functions.allowance(holder.address, relayer.address).call() == 5 * USDC


def test_only_the_faucet_mints(anvil: Anvil, deployment: EvmDeployment, w3: Web3) -> None:
    outsider = new_user(anvil.rpc_url)
    supply = deployment.usdc(w3).functions.totalSupply().call()
    with pytest.raises(ContractLogicError, match="not the owner"):
        mint_usdc(deployment, outsider.address, USDC, minter=outsider)
    assert deployment.usdc(w3).functions.totalSupply().call() == supply
    mint_usdc(deployment, outsider.address, USDC)
    assert deployment.usdc(w3).functions.totalSupply().call() == supply + USDC


def test_deposit_is_a_plain_transfer_seen_in_the_logs(
    anvil: Anvil, deployment: EvmDeployment, w3: Web3
) -> None:
    user = new_user(anvil.rpc_url)
    mint_usdc(deployment, user.address, 12 * USDC)
    usdc = deployment.usdc(w3)
    before = usdc_balance(deployment, BRIDGE2_ADDRESS)
    start = w3.eth.block_number + 1
    transact(w3, user, USDC_ADDRESS, usdc.encode_abi("transfer", args=[BRIDGE2_ADDRESS, 10 * USDC]))
    transact(w3, user, USDC_ADDRESS, usdc.encode_abi("transfer", args=[BRIDGE2_ADDRESS, 2 * USDC]))
    logs = usdc.events.Transfer().get_logs(from_block=start, argument_filters={"to": BRIDGE2_ADDRESS})
    assert [(log["args"]["from"], log["args"]["value"]) for log in logs] == [
        (user.address, 10 * USDC),
        (user.address, 2 * USDC),
    ]
    assert all(log["address"] == USDC_ADDRESS for log in logs)
    # The bridge takes any amount; crediting (and ignoring < 5 USDC) is the Hyperliquid simulator's job.
    assert usdc_balance(deployment, BRIDGE2_ADDRESS) == before + 12 * USDC
    assert "deposit" not in {item.get("name") for item in load_artefact("Bridge2")["abi"]}


def funded_bridge(anvil: Anvil, dispute_seconds: int, tag: str) -> EvmDeployment:
    deployed = deploy(
        anvil.rpc_url,
        usdc_address="0x" + tag * 20,
        bridge_address="0x" + tag[::-1] * 20,
        dispute_period_seconds=dispute_seconds,
    )
    mint_usdc(deployed, deployed.bridge_address, 1_000 * USDC)
    return deployed


def request(
    w3: Web3,
    deployed: EvmDeployment,
    user: str,
    destination: str,
    usd: int,
    nonce: int,
    sender: DevAccount = BRIDGE_OPERATOR,
) -> bytes:
    bridge = deployed.bridge(w3)
    transact(
        w3,
        sender,
        deployed.bridge_address,
        bridge.encode_abi("requestWithdrawal", args=[user, destination, usd, nonce]),
    )
    return bytes(bridge.functions.withdrawalId(user, destination, usd, nonce).call())


def finalize(
    w3: Web3,
    deployed: EvmDeployment,
    ids: list[bytes],
    sender: DevAccount = BRIDGE_OPERATOR,
    gas: int | None = None,
) -> None:
    data = deployed.bridge(w3).encode_abi("finalizeWithdrawals", args=[ids])
    transact(w3, sender, deployed.bridge_address, data, gas=gas)


def test_withdrawal_pays_out_after_the_real_dispute_delay(anvil: Anvil, w3: Web3) -> None:
    deployed = funded_bridge(anvil, 2, "a1")
    user, destination = new_user(anvil.rpc_url), new_user(anvil.rpc_url)
    start = w3.eth.block_number + 1
    wid = request(w3, deployed, user.address, destination.address, 99 * USDC, 1)
    requested_at = deployed.bridge(w3).functions.withdrawals(wid).call()[4]
    deadline = time.monotonic() + 10
    while w3.eth.get_block("latest")["timestamp"] < requested_at + 2:  # interval blocks move time on
        assert time.monotonic() < deadline, "anvil's interval mining did not advance block time"
        time.sleep(0.1)
    finalize(w3, deployed, [wid])
    assert usdc_balance(deployed, destination.address) == 99 * USDC
    assert usdc_balance(deployed, deployed.bridge_address) == 901 * USDC
    requested = deployed.bridge(w3).events.RequestedWithdrawal().get_logs(from_block=start)
    finalized = deployed.bridge(w3).events.FinalizedWithdrawal().get_logs(from_block=start)
    assert [(e["args"]["id"], e["args"]["user"], e["args"]["usd"]) for e in requested] == [
        (wid, user.address, 99 * USDC)
    ]
    assert [(e["args"]["id"], e["args"]["destination"], e["args"]["nonce"]) for e in finalized] == [
        (wid, destination.address, 1)
    ]


def test_finalize_before_the_dispute_period_reverts(anvil: Anvil, w3: Web3) -> None:
    deployed = funded_bridge(anvil, 3600, "b2")
    destination = new_user(anvil.rpc_url)
    wid = request(w3, deployed, destination.address, destination.address, 10 * USDC, 7)
    with pytest.raises(ContractLogicError, match="dispute period"):
        finalize(w3, deployed, [wid])
    assert usdc_balance(deployed, destination.address) == 0
    rpc(w3, "evm_increaseTime", [3600])
    rpc(w3, "evm_mine", [])
    finalize(w3, deployed, [wid])
    assert usdc_balance(deployed, destination.address) == 10 * USDC


def test_nothing_is_requested_or_paid_twice(anvil: Anvil, w3: Web3) -> None:
    deployed = funded_bridge(anvil, 0, "c3")
    user = new_user(anvil.rpc_url)
    first = request(w3, deployed, user.address, user.address, 30 * USDC, 1)
    with pytest.raises(ContractLogicError, match="already requested"):
        request(w3, deployed, user.address, user.address, 30 * USDC, 1)
    second = request(w3, deployed, user.address, user.address, 30 * USDC, 2)
    with pytest.raises(ContractLogicError, match="already finalized"):
        finalize(w3, deployed, [first, second, first])  # a repeat inside one batch reverts it all
    assert usdc_balance(deployed, user.address) == 0
    finalize(w3, deployed, [first, second])
    assert usdc_balance(deployed, user.address) == 60 * USDC
    with pytest.raises(ContractLogicError, match="already finalized"):
        finalize(w3, deployed, [second])
    with pytest.raises(RuntimeError, match="reverted"):  # mined, reverted on chain
        finalize(w3, deployed, [first], gas=200_000)
    with pytest.raises(ContractLogicError, match="already requested"):
        request(w3, deployed, user.address, user.address, 30 * USDC, 2)
    with pytest.raises(ContractLogicError, match="unknown withdrawal"):
        finalize(w3, deployed, [b"\x01" * 32])
    assert usdc_balance(deployed, user.address) == 60 * USDC
    assert usdc_balance(deployed, deployed.bridge_address) == 940 * USDC


def test_only_the_operator_requests_and_finalizes(anvil: Anvil, w3: Web3) -> None:
    deployed = funded_bridge(anvil, 0, "d4")
    outsider = new_user(anvil.rpc_url)
    with pytest.raises(ContractLogicError, match="not the operator"):
        request(w3, deployed, outsider.address, outsider.address, 500 * USDC, 1, sender=outsider)
    with pytest.raises(ContractLogicError, match="not the operator"):
        request(w3, deployed, outsider.address, outsider.address, 500 * USDC, 1, sender=FAUCET)
    wid = request(w3, deployed, outsider.address, outsider.address, 500 * USDC, 1)
    with pytest.raises(ContractLogicError, match="not the operator"):
        finalize(w3, deployed, [wid], sender=outsider)
    assert usdc_balance(deployed, outsider.address) == 0
    with pytest.raises(ContractLogicError, match="not the owner"):
        transact(
            w3,
            outsider,
            deployed.bridge_address,
            deployed.bridge(w3).encode_abi("setOperator", args=[outsider.address]),
        )
    assert deployed.bridge(w3).functions.operator().call() == BRIDGE_OPERATOR.address


def test_fund_eth_adds_to_the_balance(anvil: Anvil, w3: Web3) -> None:
    address = Account.create().address
    assert fund_eth(anvil.rpc_url, address, 10**16) == 10**16
    assert fund_eth(anvil.rpc_url, address, 5 * 10**15) == 15 * 10**15
    assert w3.eth.get_balance(address) == 15 * 10**15


def test_anvil_stops_by_pid_and_refuses_a_busy_port(anvil: Anvil, tmp_path: Path) -> None:
    assert anvil.port is not None
    with pytest.raises(RuntimeError, match="already in use"):
        Anvil(log_dir=tmp_path).start(anvil.port)
    other = Anvil(log_dir=tmp_path)
    try:
        other.start(free_port(), chain_id=31337, block_time=1)
        pid = other.pid
        assert pid is not None
        assert Web3(Web3.HTTPProvider(other.rpc_url)).eth.chain_id == 31337
    finally:
        other.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
