"""The deposit saga against the daily USDC cap on the local stack: validate reserves the deposit
under its transfer id, the signer's send finds that reservation and commits it, so a deposit counts
once; concurrent deposits past the cap are rejected and the cap is never passed."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from basis.chains.amounts import usdc_base_units
from basis.policies.settings import get_policy_settings
from basis.signing import caps
from local.chains.evm_deploy import deploy
from tests.api_client import ApiClient
from tests.integration.transfers.operations import settled
from tests.integration.transfers.test_deposits import bridge_transfers, deposit

CAP = Decimal(45)


@pytest.fixture
def small_daily_cap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A 45 USDC daily cap (and per-transaction cap) for the functions the stack runs in-process."""
    monkeypatch.setenv("BASIS_MAX_USDC_DAILY", str(CAP))
    monkeypatch.setenv("BASIS_MAX_USDC_PER_TX", str(CAP))
    get_policy_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_policy_settings.cache_clear()


def test_a_credited_deposit_counts_once_against_the_daily_cap(
    api_client: ApiClient, depositor: tuple[str, str]
) -> None:
    user_id, _ = depositor
    operation = settled(api_client, user_id, deposit(api_client, user_id, "12.5").json()["id"])
    assert operation["stage"] == "hl_credited", operation
    usage = caps.usage(user_id, "USDC")
    assert (usage.committed, usage.reserved, usage.unresolved) == (usdc_base_units("12.5"), 0, 0)


def test_ten_concurrent_deposits_past_the_daily_cap_are_partly_refused_and_never_pass_it(
    api_client: ApiClient, depositor: tuple[str, str], small_daily_cap: None
) -> None:
    user_id, address = depositor
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: deposit(api_client, user_id, "10"), range(10)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    operations = [settled(api_client, user_id, a.json()["id"], timeout=180) for a in answers]
    stages = sorted(o["stage"] for o in operations)
    credited = [o for o in operations if o["stage"] == "hl_credited"]
    refused = [o for o in operations if o["stage"] == "rejected"]
    assert len(credited) == 4 and len(refused) == 6, stages  # 4 x 10 <= 45 < 5 x 10
    assert all("daily USDC cap (45 USDC)" in o["error"] for o in refused)
    assert not any(o["needs_reconciliation"] for o in operations)
    on_chain = bridge_transfers(deploy(api_client.stack.url("anvil")), address)
    assert sorted(on_chain) == sorted(h for o in credited for h in o["tx_hashes"])
    usage = caps.usage(user_id, "USDC")
    assert usage.total == usage.committed == usdc_base_units("40") <= usdc_base_units(CAP)
