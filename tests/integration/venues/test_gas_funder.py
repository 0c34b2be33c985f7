"""The gas funder on the local stack: concurrent workers share the funder's nonce sequence through
the funder-wide lease."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from eth_account import Account

from basis.venues.arbitrum.gas import GasFunder
from local.chains.dev_accounts import GAS_FUNDER
from local.runtime.stack import LocalStack


def test_concurrent_workers_fund_different_users_with_distinct_nonces(stack: LocalStack) -> None:
    evm = stack.evm
    users = [(f"did:privy:nonce-{uuid.uuid4().hex[:8]}", Account.create().address) for _ in range(6)]
    # Each thread stands for a container: its own GasFunder, no lock shared in memory.
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        results = list(
            pool.map(lambda user: GasFunder(evm.rpc_url, GAS_FUNDER.private_key).fund_if_needed(*user), users)
        )
    assert [r.status for r in results] == ["funded"] * len(users), [r.error for r in results]
    w3 = GasFunder(evm.rpc_url, GAS_FUNDER.private_key).w3
    nonces = [int(w3.eth.get_transaction(r.tx_hash)["nonce"]) for r in results if r.tx_hash]
    assert len(set(nonces)) == len(users)
    assert all(w3.eth.get_balance(w3.to_checksum_address(a)) == 5 * 10**15 for _, a in users)
