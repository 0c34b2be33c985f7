"""The gas funder on the local stack: the schedule's dispatcher queues one check per user with an
EVM server wallet, the worker tops up the low ones (one user's error stops no one else), a low
funder stops the run with its metric, and concurrent workers share the funder's nonce sequence
through the funder-wide lease."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from eth_account import Account
from eth_typing import HexStr

from basis.identity import users
from basis.venues.arbitrum import gas_worker
from basis.venues.arbitrum.gas import GasFunder
from basis.wallets.store import CreatedWallet, record_wallet
from infra.catalog import SCHEDULES
from local.chains.dev_accounts import GAS_FUNDER
from local.chains.evm_deploy import rpc
from local.chains.evm_funding import fund_eth
from local.runtime.stack import LocalStack
from tests.helpers import wait_for

GAS = next(s for s in SCHEDULES if s.name == "gas")
MILLI_ETH = 10**15


def evm_user(stack: LocalStack, balance_wei: int) -> tuple[str, str]:
    """A signed-in user with an EVM server wallet (an address of ours) holding ``balance_wei``."""
    user_id, address = f"did:privy:gas-{uuid.uuid4().hex[:8]}", Account.create().address
    users.sign_in(user_id)
    record_wallet(user_id, CreatedWallet(f"w-{uuid.uuid4().hex[:10]}", address, "ethereum"))
    rpc(stack.evm.web3(), "anvil_setBalance", [address, hex(balance_wei)])
    return user_id, address


def balance(stack: LocalStack, address: str) -> int:
    w3 = stack.evm.web3()
    return int(w3.eth.get_balance(w3.to_checksum_address(address)))


def test_a_scheduled_run_tops_up_low_wallets_skips_full_ones_and_survives_one_users_error(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    low = [evm_user(stack, MILLI_ETH) for _ in range(3)]  # 0.001 ETH: under the 0.002 threshold
    full = evm_user(stack, 10 * MILLI_ETH)
    broken = evm_user(stack, 0)
    real_balance = GasFunder.balance_wei

    def balance_or_fail(self: GasFunder, address: str) -> int:
        if address.lower() == broken[1].lower():
            raise ConnectionError("the node refused this wallet")
        return real_balance(self, address)

    monkeypatch.setattr(GasFunder, "balance_wei", balance_or_fail)

    firing = stack.scheduler.fire(GAS)

    assert firing.ok, firing.detail
    wait_for(lambda: all(balance(stack, a) == 5 * MILLI_ETH for _, a in low), timeout=60)
    assert balance(stack, full[1]) == 10 * MILLI_ETH  # above the threshold: nothing sent
    assert balance(stack, broken[1]) == 0
    log = stack.log_dir / "functions" / "gas_funder.log"
    failed = wait_for(lambda: [line for line in log.read_text().splitlines() if "gas top-up failed" in line])
    assert broken[0] in failed[-1] and "the node refused this wallet" in failed[-1]


def test_a_low_funder_stops_the_run_and_says_so(
    stack: LocalStack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    poor = Account.create()
    fund_eth(stack.evm.rpc_url, poor.address, MILLI_ETH)  # less than one top-up
    monkeypatch.setattr(gas_worker, "new_funder", lambda: GasFunder(stack.evm.rpc_url, poor.key.hex()))
    wallets = [evm_user(stack, 0) for _ in range(3)]
    records = [
        {"messageId": str(i), "body": json.dumps({"user_id": u, "address": a}), "eventSource": "aws:sqs"}
        for i, (u, a) in enumerate(wallets)
    ]
    calls: list[str] = []
    real_fund = GasFunder.fund_if_needed

    def counted(self: GasFunder, user_id: str, address: str) -> Any:
        calls.append(user_id)
        return real_fund(self, user_id, address)

    monkeypatch.setattr(GasFunder, "fund_if_needed", counted)
    capsys.readouterr()

    answer = gas_worker.handle_batch({"Records": records})

    assert answer["batchItemFailures"] == []  # dropped: the next tick queues every user again
    assert calls == [wallets[0][0]]  # the run stopped at the first send it could not pay
    assert all(balance(stack, a) == 0 for _, a in wallets)
    out = capsys.readouterr().out
    [metric] = [json.loads(line) for line in out.splitlines() if '"GasFunderLow"' in line]
    assert metric["GasFunderLow"] == [1.0] and metric["funder"] == poor.address
    assert "gas funder is low: run stopped, fund it" in caplog.messages


def test_concurrent_workers_fund_different_users_with_distinct_nonces(stack: LocalStack) -> None:
    evm = stack.evm
    wallets = [(f"did:privy:nonce-{uuid.uuid4().hex[:8]}", Account.create().address) for _ in range(6)]
    # Each thread stands for a container: its own GasFunder, no lock shared in memory.
    with ThreadPoolExecutor(max_workers=len(wallets)) as pool:
        results = list(
            pool.map(
                lambda user: GasFunder(evm.rpc_url, GAS_FUNDER.private_key).fund_if_needed(*user), wallets
            )
        )
    assert [r.status for r in results] == ["funded"] * len(wallets), [r.error for r in results]
    w3 = GasFunder(evm.rpc_url, GAS_FUNDER.private_key).w3
    nonces = [int(w3.eth.get_transaction(HexStr(r.tx_hash))["nonce"]) for r in results if r.tx_hash]
    assert len(set(nonces)) == len(wallets)
    assert all(balance(stack, a) == 5 * MILLI_ETH for _, a in wallets)
