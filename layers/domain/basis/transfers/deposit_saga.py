"""Steps of the deposit saga, each invoked by a Step Functions Task state.

validate (amount rules, then the daily USDC cap reserved under the transfer id) → ensure_gas →
send → confirm → check_credit (polled by a Wait loop); ``fail`` is the Catch of every step. Every
step is idempotent: it moves the transfer's ``stage`` forward with a version-checked write, and a
re-run that finds the stage already reached answers again without repeating its side effect:

* ``ensure_gas`` tops the wallet up only while it is under the funder's threshold (an empty wallet
  whose top-up another deposit is sending is retried until that ETH landed);
* ``send`` prepares the Bridge2 transfer ONCE and stores it before sending (both in the wallet's
  send turn, so concurrent deposits of one wallet never share a nonce), then sends it with the
  transfer id as Privy's idempotency key. A re-run that finds a tx hash answers it; one that finds
  a stored transaction resends that very transaction (same nonce, same key: it can land at most
  once) and never prepares another;
* the cap reservation ``validate`` makes is keyed by the transfer id, the idempotency key the send
  signs under: the signer finds it already counted and commits that very reservation once sent, so
  the deposit counts once against the daily cap; concurrent deposits past the cap are rejected;
* ``fail`` marks ``failed`` (and releases the reservation) only while no funds can have left the
  wallet. Once a transaction was prepared or sent, the stage stays where it is, the reservation
  keeps counting and the transfer is marked for the reconciler.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import Field

from basis.chains.amounts import usdc_base_units
from basis.platform.errors import ConflictError, TransientError
from basis.platform.observability import logger
from basis.policies.amounts import AmountError, require_bridge_deposit
from basis.policies.settings import get_policy_settings
from basis.risk import manager as risk
from basis.signing import caps
from basis.signing.errors import SigningError
from basis.transfers import saga, store
from basis.transfers.saga import arbitrum, evm_wallet, load
from basis.transfers.settings import get_funding_settings
from basis.transfers.store import TransferRecord

if TYPE_CHECKING:
    from basis.venues.arbitrum.client import ArbitrumClient

STAGES = ("initiated", "validated", "gas_funded", "bridge_sent", "bridge_confirmed", "hl_credited")
FINAL = frozenset({"hl_credited", "failed", "rejected"})
LEDGER_SLACK_MS = 60_000  # the credit is searched from a minute before the deposit was created


class StepInput(saga.SagaStepInput):
    step: str = Field(pattern=r"^(validate|ensure_gas|send|confirm|check_credit|fail)$")


class DepositRevertedError(ConflictError):
    """The Bridge2 transfer reverted on chain: no USDC left the wallet."""


def _reached(transfer: TransferRecord, stage: str) -> bool:
    return transfer.stage in STAGES and STAGES.index(transfer.stage) >= STAGES.index(stage)


def _require(transfer: TransferRecord, stage: str) -> None:
    if transfer.stage != stage:
        raise ConflictError(f"transfer {transfer.transfer_id} is {transfer.stage}, expected {stage}")


# -- the steps ----------------------------------------------------------------------------------
def validate(step: StepInput) -> dict[str, Any]:
    transfer = load(step.user_id, step.transfer_id)
    if transfer.stage != "initiated":  # a retry after the stage already moved: same answer
        return {
            "valid": transfer.stage not in {"rejected", "failed"},
            "reason": transfer.error or "",
            "stage": transfer.stage,
        }
    settings = get_policy_settings()
    amount = transfer.amount_usdc
    reason = ""
    if transfer.kind != "deposit":
        reason = f"transfer is a {transfer.kind}, not a deposit"
    elif amount > settings.max_auto_bridge_usdc:
        reason = (
            f"{amount} USDC exceeds MAX_AUTO_BRIDGE_USDC ({settings.max_auto_bridge_usdc} USDC); split it"
        )
    else:
        try:  # the bridge minimum, the policy's per-transaction cap, at most 6 decimals
            require_bridge_deposit(amount, settings)
        except AmountError as exc:
            reason = str(exc)
    if not reason:
        reason = _reserve_daily_cap(transfer)
    stage = "rejected" if reason else "validated"
    store.advance(transfer, stage, reason or None)
    logger.info(
        "deposit validated", extra={"transfer_id": step.transfer_id, "stage": stage, "reason": reason}
    )
    return {"valid": not reason, "reason": reason, "stage": stage}


def _reserve_daily_cap(transfer: TransferRecord) -> str:
    """Reserve the deposit against the user's daily USDC cap under the transfer id (a re-run finds
    it held); the reason it is refused, or ``""``."""
    settings = get_policy_settings()
    try:
        caps.reserve(
            transfer.user_id,
            "USDC",
            usdc_base_units(transfer.amount_usdc),
            settings.daily_caps()["USDC"],
            get_funding_settings().deposit_cap_lease_seconds,
            key=transfer.transfer_id,
        )
    except caps.CapExceededError:
        return f"{transfer.amount_usdc} USDC would pass the daily USDC cap ({settings.max_usdc_daily} USDC)"
    return ""


def ensure_gas(step: StepInput) -> dict[str, Any]:
    """Top the wallet's ETH up from the gas funder when under its threshold (G14)."""
    transfer = load(step.user_id, step.transfer_id)
    if _reached(transfer, "gas_funded"):
        return {"stage": transfer.stage}
    _require(transfer, "validated")
    from basis.venues.arbitrum.gas import GasFunder

    _, address = evm_wallet(step.user_id)
    top_up = GasFunder.from_config().fund_if_needed(step.user_id, address)
    logger.info("deposit gas", extra={"transfer_id": step.transfer_id, "gas": top_up.status})
    if top_up.status == "already_funded" and top_up.balance_wei == 0:
        # Another deposit of this wallet holds the top-up and its ETH has not landed yet.
        raise TransientError("a gas top-up of this wallet is in flight: retry once it landed")
    return {"stage": store.advance(transfer, "gas_funded").stage}


def send(step: StepInput) -> dict[str, Any]:
    """The Bridge2 transfer, sent at most once whatever re-runs this step."""
    transfer = load(step.user_id, step.transfer_id)
    if transfer.tx_hash:
        return {"stage": transfer.stage, "tx_hash": transfer.tx_hash}
    _require(transfer, "gas_funded")
    client = arbitrum(step.user_id)
    stored: list[dict[str, Any]] = [json.loads(transfer.prepared)] if transfer.prepared else []

    def record(prepared: dict[str, Any]) -> None:
        nonlocal transfer
        transfer = store.record_prepared(transfer, json.dumps(prepared))  # a concurrent run loses here
        stored.append(prepared)

    try:
        if stored:
            tx_hash = client.send_prepared(
                stored[0], action="bridge_deposit", idempotency_key=transfer.transfer_id
            )
        else:  # prepared, stored and sent in the wallet's turn: concurrent deposits take turns
            units = client.check_deposit(transfer.amount_usdc)
            tx_hash = client.prepare_and_send(
                "USDC",
                units,
                client.bridge_address,
                record=record,
                action="bridge_deposit",
                idempotency_key=transfer.transfer_id,
            )
    except SigningError as exc:
        if stored and _nonce_used(client, stored[0]):  # it may be ours: never send anything else
            raise OutcomeToReconcileError(
                f"nonce {stored[0]['nonce']} was used but the resend failed ({exc.message}): reconcile"
            ) from exc
        raise
    logger.info("deposit sent to the bridge", extra={"transfer_id": step.transfer_id, "tx_hash": tx_hash})
    return {"stage": store.record_sent(transfer, tx_hash, "bridge_sent").stage, "tx_hash": tx_hash}


class OutcomeToReconcileError(ConflictError):
    """The stored transaction's nonce was used on chain and its resend failed: whether it was this
    transfer is the reconciler's question; nothing else is ever sent for it."""


def _nonce_used(client: ArbitrumClient, prepared: dict[str, Any]) -> bool:
    address = client.w3.to_checksum_address(client.address)
    return int(client.w3.eth.get_transaction_count(address, "latest")) > int(prepared["nonce"])


def confirm(step: StepInput) -> dict[str, Any]:
    """Wait for the Bridge2 transfer's receipt (``bridge_confirmed``)."""
    transfer = load(step.user_id, step.transfer_id)
    if _reached(transfer, "bridge_confirmed"):
        return {"stage": transfer.stage}
    _require(transfer, "bridge_sent")
    assert transfer.tx_hash is not None  # bridge_sent is written with its tx hash
    timeout = get_funding_settings().deposit_receipt_timeout_seconds
    from web3.exceptions import TimeExhausted

    try:
        receipt = arbitrum(step.user_id).wait_receipt(transfer.tx_hash, timeout=timeout)
    except TimeExhausted as exc:  # the state machine retries the step
        raise TransientError(f"no receipt for {transfer.tx_hash} yet") from exc
    if not receipt.succeeded:
        store.advance(transfer, "failed", f"the bridge transfer {transfer.tx_hash} reverted: no USDC moved")
        raise DepositRevertedError(f"the bridge transfer {transfer.tx_hash} reverted")
    return {"stage": store.advance(transfer, "bridge_confirmed").stage}


def check_credit(step: StepInput) -> dict[str, Any]:
    """Whether Hyperliquid credited the transfer (matched by its Arbitrum tx hash and base units);
    ``give_up`` once the credit is overdue (the reconciler takes over)."""
    transfer = load(step.user_id, step.transfer_id)
    settings = get_funding_settings()
    answer = {"credited": True, "give_up": False, "wait_seconds": settings.deposit_credit_poll_seconds}
    if transfer.stage == "hl_credited":
        return answer
    _require(transfer, "bridge_confirmed")
    if credited(transfer):
        risk.deposit_credited(transfer)  # the risk peak rises by the amount (N7), before the stage
        store.advance(transfer, "hl_credited")
        logger.info("deposit credited", extra={"transfer_id": step.transfer_id, "tx_hash": transfer.tx_hash})
        return answer
    since = transfer.updated_at or transfer.created_at
    assert since is not None  # written with the row
    waited = time.time() - since.timestamp()
    return {**answer, "credited": False, "give_up": waited > settings.deposit_credit_timeout_seconds}


def credited(transfer: TransferRecord) -> bool:
    """Whether Hyperliquid's ledger shows the deposit's credit: matched by its Arbitrum tx hash, in
    USDC base units (ledger amounts carry float noise). The saga's poll and the reconciler ask this."""
    assert transfer.tx_hash is not None and transfer.created_at is not None
    from basis.platform.config import get_settings
    from basis.venues.hyperliquid.trader import HyperliquidTrader

    _, address = evm_wallet(transfer.user_id)
    trader = HyperliquidTrader(str(get_settings().hyperliquid_api_url), None, address)
    since_ms = int(transfer.created_at.timestamp() * 1000) - LEDGER_SLACK_MS
    credit = trader.credited_deposit(
        transfer.tx_hash, usdc_base_units(transfer.amount_usdc), since_ms=since_ms
    )
    return credit is not None


def fail(step: StepInput) -> dict[str, Any]:
    # Once a transaction was prepared or sent, funds may have left: never "compensated" by a resend;
    # a deposit that failed before that releases its daily-cap reservation (nothing was sent).
    answer = saga.fail(step, FINAL, lambda transfer: bool(transfer.tx_hash or transfer.prepared))
    if answer["stage"] == "failed":
        caps.release(step.user_id, "USDC", caps.key_reservation(step.transfer_id))
    return answer


STEPS: dict[str, Callable[[StepInput], dict[str, Any]]] = {
    "validate": validate,
    "ensure_gas": ensure_gas,
    "send": send,
    "confirm": confirm,
    "check_credit": check_credit,
    "fail": fail,
}


def run_step(step: StepInput) -> dict[str, Any]:
    return saga.run(STEPS, step)
