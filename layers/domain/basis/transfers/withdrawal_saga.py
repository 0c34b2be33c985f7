"""Steps of the withdrawal saga, each invoked by a Step Functions Task state.

withdraw → check_payout (polled by a Wait loop) → with a destination: ensure_gas → deliver →
confirm_delivery; ``fail`` is the Catch of every step. The amount was checked against
Hyperliquid's ``withdrawable`` before the saga started (a 400 naming what is available) and is
checked again right before signing.

* ``withdraw`` signs ``withdraw3`` through Privy with the user's own server wallet as destination
  (the wallet's per-user policy pins it there). The action's nonce (its ``time``) is allocated and
  stored on the transfer BEFORE anything is signed, and a withdrawal is identified on Hyperliquid's
  ledger by that nonce: a re-run first looks the nonce up and, when Hyperliquid applied it, records
  it without sending; otherwise it resends the very same action (same nonce, which Hyperliquid
  accepts at most once). Never a second withdrawal.
* ``check_payout`` waits for Bridge2's USDC transfer of ``amount - 1`` (the bridge's fee) to the
  server wallet on Arbitrum, then marks the withdrawal ``completed`` (``paid_out`` when it has a
  destination).
* With a destination (one of the user's registered withdrawal addresses, checked active when the
  withdrawal was asked for): ``ensure_gas`` tops the wallet's ETH up as the deposit saga does
  (``gas_funded``); ``deliver`` sends the payout there with the platform signer, which the
  per-user policy at Privy allows only to the user's registered addresses. Exactly as the deposit
  saga's Bridge2 send (``saga.send_usdc_once``): prepared once and stored on the transfer (under
  ``prepared["delivery"]``, with the block it was prepared at: where the reconciler looks for it)
  before it is sent in the wallet's turn, with ``<transfer id>-delivery``
  as Privy's idempotency key; a re-run resends that very transaction, never another
  (``delivering``, the delivery's hash recorded); ``confirm_delivery`` waits for its receipt
  (``completed``). An address removed before anything was prepared is not delivered to.
* ``fail`` marks ``failed`` only while nothing left Hyperliquid; once the action is on the ledger
  the stage stays where it is and the transfer is marked for the reconciler, except that a payout
  in the server wallet whose delivery was never prepared ends ``undelivered`` (the USDC is there).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from pydantic import Field

from basis.chains.amounts import usdc_base_units
from basis.platform.errors import ConflictError, TransientError
from basis.platform.observability import logger
from basis.risk import manager as risk
from basis.transfers import saga, store
from basis.transfers.saga import arbitrum, evm_signer, evm_wallet, load
from basis.transfers.settings import get_funding_settings
from basis.transfers.store import TransferRecord
from basis.venues.hyperliquid.models import HyperliquidActionError, LedgerWithdrawal
from basis.venues.hyperliquid.trader import WITHDRAW_FEE_USDC, HyperliquidTrader
from basis.wallets import withdrawal_addresses

FINAL = frozenset({"completed", "failed", "undelivered"})
DELIVERY_STAGES = ("paid_out", "gas_funded", "delivering", "completed")
DELIVERY = "delivery"  # the key of the stored delivery in the transfer's ``prepared``
LEDGER_SLACK_MS = 60_000  # the ledger is searched from a minute before the action's nonce (time)


class StepInput(saga.SagaStepInput):
    step: str = Field(pattern=r"^(withdraw|check_payout|ensure_gas|deliver|confirm_delivery|fail)$")


class WithdrawalRefusedError(ConflictError):
    """Hyperliquid refused the withdraw3 action and its nonce is not on the ledger: nothing left."""


class DestinationRemovedError(ConflictError):
    """The withdrawal's destination is no longer an active registered withdrawal address."""


class DeliveryRevertedError(ConflictError):
    """The delivery reverted on chain."""


def _hyperliquid_url() -> str:
    from basis.platform.config import get_settings

    return str(get_settings().hyperliquid_api_url)


def _applied(address: str, nonce: int) -> LedgerWithdrawal | None:
    """Hyperliquid's ledger entry of the withdraw3 signed with ``nonce``; None while not applied."""
    return HyperliquidTrader(_hyperliquid_url(), None, address).withdrawal(
        nonce, since_ms=nonce - LEDGER_SLACK_MS
    )


def _prepared(transfer: TransferRecord) -> dict[str, Any] | None:
    return json.loads(transfer.prepared) if transfer.prepared else None


# -- the steps ----------------------------------------------------------------------------------
def withdraw(step: StepInput) -> dict[str, Any]:
    """The withdraw3 action, applied at most once whatever re-runs this step."""
    transfer = load(step.user_id, step.transfer_id)
    if transfer.tx_hash:
        return {"stage": transfer.stage, "tx_hash": transfer.tx_hash}
    if transfer.stage != "initiated":
        raise ConflictError(f"transfer {transfer.transfer_id} is {transfer.stage}, expected initiated")
    _, address = evm_wallet(step.user_id)
    prepared = _prepared(transfer)
    if prepared is None:  # the nonce is stored before anything is signed: every re-run reuses it
        from basis.signing.hyperliquid import next_nonce

        prepared = {
            "nonce": next_nonce(address),
            "from_block": int(arbitrum(step.user_id).w3.eth.block_number),  # the payout comes later
        }
        transfer = store.record_prepared(transfer, json.dumps(prepared))  # a concurrent run loses here
    nonce = int(prepared["nonce"])
    applied = _applied(address, nonce)
    if applied is None:
        from basis.signing.hyperliquid import PrivyHyperliquidExchange

        exchange = PrivyHyperliquidExchange(
            evm_signer(step.user_id),
            _hyperliquid_url(),
            nonces=lambda: nonce,
            idempotency_key=transfer.transfer_id,
        )
        try:  # refused before signing when over withdrawable (nothing leaves Hyperliquid)
            HyperliquidTrader(_hyperliquid_url(), exchange, address).withdraw(transfer.amount_usdc, address)
        except HyperliquidActionError as exc:  # a resend of an applied action is refused: look again
            if _applied(address, nonce) is None:
                raise WithdrawalRefusedError(f"Hyperliquid refused the withdrawal: {exc}") from exc
        applied = _applied(address, nonce)
        if applied is None:
            raise TransientError(f"the withdrawal with nonce {nonce} is not on Hyperliquid's ledger yet")
    logger.info("withdrawal sent", extra={"transfer_id": step.transfer_id, "nonce": nonce})
    stage = store.record_sent(transfer, applied.hash, "hl_withdraw_sent").stage
    return {"stage": stage, "tx_hash": applied.hash}


def check_payout(step: StepInput) -> dict[str, Any]:
    """Whether Bridge2 paid ``amount - 1 USDC`` out to the server wallet on Arbitrum; ``give_up``
    once the payout is overdue (the reconciler takes over)."""
    transfer = load(step.user_id, step.transfer_id)
    settings = get_funding_settings()
    answer = {
        "paid": True,
        "deliver": transfer.destination is not None,
        "give_up": False,
        "wait_seconds": settings.withdrawal_payout_poll_seconds,
    }
    if transfer.payout_tx_hash:
        return answer
    if transfer.stage != "hl_withdraw_sent":
        raise ConflictError(f"transfer {transfer.transfer_id} is {transfer.stage}, expected hl_withdraw_sent")
    assert transfer.updated_at is not None  # written with the row
    payout = paid_out(transfer)
    if payout is not None:
        risk.withdrawal_completed(transfer)  # the risk peak scales by what is left (N7), before the stage
        store.record_paid_out(transfer, payout, payout_stage(transfer))
        logger.info("withdrawal paid out", extra={"transfer_id": step.transfer_id, "tx_hash": payout})
        return answer
    waited = time.time() - transfer.updated_at.timestamp()
    return {**answer, "paid": False, "give_up": waited > settings.withdrawal_payout_timeout_seconds}


def payout_stage(transfer: TransferRecord) -> str:
    """The stage a withdrawal reaches when its payout arrived: ``completed``, or ``paid_out`` while
    it is still to be delivered to its destination."""
    return "paid_out" if transfer.destination else "completed"


def paid_out(transfer: TransferRecord) -> str | None:
    """The Arbitrum transfer from Bridge2 that paid the withdrawal out (``amount - 1 USDC`` to the
    server wallet since the stored block, claimed by no other withdrawal of the user), or None yet.
    The saga's poll and the reconciler ask this."""
    prepared = _prepared(transfer)
    assert prepared is not None  # stored before the action was sent
    client = arbitrum(transfer.user_id)
    units = payout_units(transfer)
    claimed = {t.payout_tx_hash for t in store.list_for_user(transfer.user_id) if t.payout_tx_hash}
    return next(
        (
            tx_hash
            for tx_hash, received in client.usdc_received_from(
                client.bridge_address, from_block=int(prepared["from_block"])
            )
            if received == units and tx_hash not in claimed
        ),
        None,
    )


def on_ledger(transfer: TransferRecord) -> LedgerWithdrawal | None:
    """Hyperliquid's ledger entry of the transfer's stored withdraw3 action (None: not applied, or
    no action stored). The reconciler asks this."""
    prepared = _prepared(transfer)
    if prepared is None:
        return None
    return _applied(evm_wallet(transfer.user_id)[1], int(prepared["nonce"]))


def _delivering(transfer: TransferRecord, stage: str) -> None:
    """``transfer`` is a withdrawal with a destination at ``stage``, or ``ConflictError``."""
    if transfer.destination is None or transfer.stage != stage:
        raise ConflictError(f"transfer {transfer.transfer_id} is {transfer.stage}, expected {stage}")


def ensure_gas(step: StepInput) -> dict[str, Any]:
    """The ETH for the delivery's gas, as for a deposit (``saga.ensure_gas``)."""
    return saga.ensure_gas(step, DELIVERY_STAGES)


def deliver(step: StepInput) -> dict[str, Any]:
    """The payout sent on to the destination, at most once whatever re-runs this step."""
    transfer = load(step.user_id, step.transfer_id)
    if transfer.delivery_tx_hash:
        return {"stage": transfer.stage, "tx_hash": transfer.delivery_tx_hash}
    _delivering(transfer, "gas_funded")
    destination = str(transfer.destination)
    prepared = _prepared(transfer) or {}
    stored = stored_delivery(transfer)
    if stored is None and not withdrawal_addresses.is_active(step.user_id, destination):
        raise DestinationRemovedError(removed(destination))
    client = arbitrum(step.user_id)

    def record(delivery: dict[str, Any]) -> None:
        nonlocal transfer
        row = {**prepared, DELIVERY: saga.stamped(client, delivery)}  # with its block, for the reconciler
        transfer = store.record_prepared(transfer, json.dumps(row))

    tx_hash = saga.send_usdc_once(
        client,
        None if stored is None else stored[0],
        units=lambda: payout_units(transfer),
        to=destination,
        record=record,
        action="withdrawal_delivery",
        idempotency_key=delivery_key(transfer),
    )
    logger.info("withdrawal delivered", extra={"transfer_id": step.transfer_id, "tx_hash": tx_hash})
    return {"stage": store.record_delivery(transfer, tx_hash).stage, "tx_hash": tx_hash}


def stored_delivery(transfer: TransferRecord) -> tuple[dict[str, Any], int | None] | None:
    """The delivery as stored before it was sent (``saga.unstamped``: the transaction and the block
    it was prepared at), or None while none was prepared. The reconciler asks this."""
    delivery = (_prepared(transfer) or {}).get(DELIVERY)
    return None if delivery is None else saga.unstamped(delivery)


def payout_units(transfer: TransferRecord) -> int:
    """The payout (what is delivered): the amount less the bridge's fee, in USDC base units."""
    return usdc_base_units(transfer.amount_usdc - WITHDRAW_FEE_USDC)


def delivery_key(transfer: TransferRecord) -> str:
    """The delivery's idempotency key at Privy, and so its cap reservation's."""
    return f"{transfer.transfer_id}-delivery"


def removed(destination: str) -> str:
    return f"{destination} is no longer a registered withdrawal address: the USDC stays in the server wallet"


def confirm_delivery(step: StepInput) -> dict[str, Any]:
    """Wait for the delivery's receipt (``completed``)."""
    transfer = load(step.user_id, step.transfer_id)
    if transfer.stage == "completed":
        return {"stage": transfer.stage}
    _delivering(transfer, "delivering")
    assert transfer.delivery_tx_hash is not None  # delivering is written with its tx hash
    if not saga.receipt(step.user_id, transfer.delivery_tx_hash).succeeded:
        raise DeliveryRevertedError(f"the delivery {transfer.delivery_tx_hash} reverted")
    return {"stage": store.advance(transfer, "completed").stage}


def fail(step: StepInput) -> dict[str, Any]:
    return saga.fail(
        step, FINAL, lambda transfer: _left_hyperliquid(step.user_id, transfer), resting=_undelivered
    )


def _undelivered(transfer: TransferRecord) -> str | None:
    """``undelivered`` when the payout is in the server wallet and no delivery was ever prepared."""
    prepared = _prepared(transfer) or {}
    if transfer.payout_tx_hash and not transfer.delivery_tx_hash and DELIVERY not in prepared:
        return "undelivered"
    return None


def _left_hyperliquid(user_id: str, transfer: TransferRecord) -> bool:
    """Whether the USDC left Hyperliquid: the action is recorded, or its nonce is on the ledger."""
    prepared = _prepared(transfer)
    if transfer.tx_hash is not None:
        return True
    return prepared is not None and _applied(evm_wallet(user_id)[1], int(prepared["nonce"])) is not None


STEPS: dict[str, Callable[[StepInput], dict[str, Any]]] = {
    "withdraw": withdraw,
    "check_payout": check_payout,
    "ensure_gas": ensure_gas,
    "deliver": deliver,
    "confirm_delivery": confirm_delivery,
    "fail": fail,
}


def run_step(step: StepInput) -> dict[str, Any]:
    return saga.run(STEPS, step)
