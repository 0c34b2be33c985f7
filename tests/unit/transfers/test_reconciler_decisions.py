"""The reconciler's decisions, from what the chain and the transfer say: whether a deposit's stored
transaction was sent (``outcomes.decide``), what a stale cap reservation becomes
(``reservations.settlement``), and which execution a re-drive starts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from basis.transfers import deposit_saga, executions
from basis.transfers.reconciler.reservations import settlement
from basis.transfers.reconciler.sends import ChainView, Verdict, decide
from basis.transfers.store import TransferRecord

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
NONCE = 7


def view(*, mined: int, pending: int | None = None, found: str | None = None) -> ChainView:
    return ChainView(NONCE, mined, mined if pending is None else pending, found)


@pytest.mark.parametrize(
    ("chain", "quiet", "verdict"),
    [
        # the transaction is on chain (whatever else): sent, at once
        (view(mined=NONCE + 1, found="0xabc"), False, Verdict("sent", "0xabc")),
        (view(mined=NONCE + 3, found="0xabc"), True, Verdict("sent", "0xabc")),
        # its nonce used, and not by it: it can never land
        (view(mined=NONCE + 1), False, Verdict("nonce_used")),
        (view(mined=NONCE + 1), True, Verdict("nonce_used")),
        # the nonce unused, nothing pending, past the grace: never sent
        (view(mined=NONCE), True, Verdict("not_sent")),
        (view(mined=NONCE - 2), True, Verdict("not_sent")),
        # too early to tell: a send may still be in flight
        (view(mined=NONCE), False, Verdict("wait")),
        # a transaction with its nonce (or before it) is pending: wait for it
        (view(mined=NONCE, pending=NONCE + 1), True, Verdict("wait")),
        # stored without the block to search from: the chain cannot be asked
        (None, True, Verdict("wait")),
    ],
)
def test_a_stored_transaction_is_judged_from_the_chain(
    chain: ChainView | None, quiet: bool, verdict: Verdict
) -> None:
    assert decide(chain, quiet=quiet) == verdict


def deposit(stage: str, *, updated: timedelta = timedelta(minutes=10), **fields: object) -> TransferRecord:
    record = TransferRecord(
        "did:privy:u",
        "dep-1",
        "deposit",
        stage,
        Decimal("12.5"),
        None,
        3,
        created_at=NOW - timedelta(hours=1),
        updated_at=NOW - updated,
    )
    return replace(record, **fields)  # type: ignore[arg-type]


PREPARED = json.dumps({"nonce": NONCE, "to": "0xusdc", "from_block": 100})


@pytest.mark.parametrize(
    ("transfer", "action"),
    [
        (deposit("hl_credited", tx_hash="0xabc"), "commit"),  # on chain: counted once
        (deposit("bridge_sent", tx_hash="0xabc", prepared=PREPARED), "commit"),
        (deposit("failed", error="..."), "release"),  # failed only while nothing moved
        (deposit("failed", tx_hash="0xabc", prepared=PREPARED), "release"),  # reverted: no USDC moved
        (deposit("rejected"), "release"),
        (deposit("gas_funded", prepared=PREPARED), None),  # the chain decides (the outcomes pass)
        (deposit("gas_funded", prepared=PREPARED, needs_reconciliation=True), None),
        (deposit("validated"), "release"),  # its saga died before preparing anything
        (deposit("validated", updated=timedelta(minutes=1)), None),  # its saga may be about to send
        (replace(deposit("completed", tx_hash="0xhl"), kind="withdrawal"), "commit"),  # withdraw3 applied
        (replace(deposit("initiated", prepared=PREPARED), kind="withdrawal"), None),  # the ledger decides
        (replace(deposit("failed"), kind="withdrawal"), "release"),  # nothing left Hyperliquid
        (replace(deposit("sent", tx_hash="0xabc"), kind="outbound"), None),  # signed by the user's key
        (None, None),  # made for no transfer we know: it keeps counting
    ],
)
def test_a_stale_reservation_is_settled_from_its_transfer(
    transfer: TransferRecord | None, action: str | None
) -> None:
    assert settlement(transfer, NOW) == action


def test_the_stored_transaction_is_resent_without_its_search_block() -> None:
    tx, from_block = deposit_saga.prepared_transaction(deposit("gas_funded", prepared=PREPARED))
    assert (tx, from_block) == ({"nonce": NONCE, "to": "0xusdc"}, 100)
    legacy = deposit("gas_funded", prepared=json.dumps({"nonce": NONCE}))
    assert deposit_saga.prepared_transaction(legacy) == ({"nonce": NONCE}, None)


def test_a_redrive_is_a_new_execution_named_after_the_transfer() -> None:
    first = deposit("gas_funded")
    assert executions.name_of(first) == "dep-1"
    again = replace(first, redrives=2)
    assert executions.name_of(again) == "dep-1-redrive-2"
    assert executions.transfer_id_of(executions.name_of(again)) == "dep-1"
