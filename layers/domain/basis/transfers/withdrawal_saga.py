"""Steps of the withdrawal saga, each invoked by a Step Functions Task state.

withdraw → check_payout (polled by a Wait loop); ``fail`` is the Catch of every step. The amount
was checked against Hyperliquid's ``withdrawable`` before the saga started (a 400 naming what is
available) and is checked again right before signing.

* ``withdraw`` signs ``withdraw3`` through Privy with the user's own server wallet as destination
  (the wallet's per-user policy pins it there). The action's nonce (its ``time``) is allocated and
  stored on the transfer BEFORE anything is signed, and a withdrawal is identified on Hyperliquid's
  ledger by that nonce: a re-run first looks the nonce up and, when Hyperliquid applied it, records
  it without sending; otherwise it resends the very same action (same nonce, which Hyperliquid
  accepts at most once). Never a second withdrawal.
* ``check_payout`` waits for Bridge2's USDC transfer of ``amount - 1`` (the bridge's fee) to the
  server wallet on Arbitrum, then marks the withdrawal ``completed``.
* ``fail`` marks ``failed`` only while nothing left Hyperliquid; once the action is on the ledger
  the stage stays where it is and the transfer is marked for the reconciler.
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

FINAL = frozenset({"completed", "failed"})
LEDGER_SLACK_MS = 60_000  # the ledger is searched from a minute before the action's nonce (time)


class StepInput(saga.SagaStepInput):
    step: str = Field(pattern=r"^(withdraw|check_payout|fail)$")


class WithdrawalRefusedError(ConflictError):
    """Hyperliquid refused the withdraw3 action and its nonce is not on the ledger: nothing left."""


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
            evm_signer(step.user_id), _hyperliquid_url(), nonces=lambda: nonce
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
    answer = {"paid": True, "give_up": False, "wait_seconds": settings.withdrawal_payout_poll_seconds}
    if transfer.stage == "completed":
        return answer
    if transfer.stage != "hl_withdraw_sent":
        raise ConflictError(f"transfer {transfer.transfer_id} is {transfer.stage}, expected hl_withdraw_sent")
    prepared = _prepared(transfer)
    assert prepared is not None and transfer.updated_at is not None  # stored before the action was sent
    client = arbitrum(step.user_id)
    units = usdc_base_units(transfer.amount_usdc - WITHDRAW_FEE_USDC)
    claimed = {t.payout_tx_hash for t in store.list_for_user(step.user_id) if t.payout_tx_hash}
    payout = next(
        (
            tx_hash
            for tx_hash, received in client.usdc_received_from(
                client.bridge_address, from_block=int(prepared["from_block"])
            )
            if received == units and tx_hash not in claimed
        ),
        None,
    )
    if payout is not None:
        risk.withdrawal_completed(transfer)  # the risk peak scales by what is left (N7), before the stage
        store.record_paid_out(transfer, payout)
        logger.info("withdrawal paid out", extra={"transfer_id": step.transfer_id, "tx_hash": payout})
        return answer
    waited = time.time() - transfer.updated_at.timestamp()
    return {**answer, "paid": False, "give_up": waited > settings.withdrawal_payout_timeout_seconds}


def fail(step: StepInput) -> dict[str, Any]:
    return saga.fail(step, FINAL, lambda transfer: _left_hyperliquid(step.user_id, transfer))


def _left_hyperliquid(user_id: str, transfer: TransferRecord) -> bool:
    """Whether the USDC left Hyperliquid: the action is recorded, or its nonce is on the ledger."""
    prepared = _prepared(transfer)
    if transfer.tx_hash is not None:
        return True
    return prepared is not None and _applied(evm_wallet(user_id)[1], int(prepared["nonce"])) is not None


STEPS: dict[str, Callable[[StepInput], dict[str, Any]]] = {
    "withdraw": withdraw,
    "check_payout": check_payout,
    "fail": fail,
}


def run_step(step: StepInput) -> dict[str, Any]:
    return saga.run(STEPS, step)
