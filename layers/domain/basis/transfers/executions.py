"""The sagas' Step Functions executions: one per transfer, named by the transfer id, so Step
Functions itself refuses a second start. When the reconciler re-drives a saga (its transaction was
never sent), the continuation is ``<transfer id>-redrive-<n>``, ``n`` the transfer's re-drive count,
written (version-checked) before the start: two reconciler runs never start two continuations.
Every saga step is idempotent, so a continuation starts at the top and moves on from the stage the
transfer reached."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime

from basis.platform.aws import client
from basis.platform.errors import ConfigurationError
from basis.transfers.settings import get_funding_settings
from basis.transfers.store import TransferRecord

REDRIVE = "-redrive-"
FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class FailedExecution:
    name: str
    transfer_id: str
    status: str
    stopped_at: datetime | None


def machine_arn(kind: str) -> str:
    """The state machine of ``kind``'s saga (``deposit`` or ``withdrawal``)."""
    settings = get_funding_settings()
    arn = settings.deposit_saga_arn if kind == "deposit" else settings.withdrawal_saga_arn
    if arn is None:
        raise ConfigurationError(
            f"BASIS_{kind.upper()}_SAGA_ARN is not set: this function cannot reach {kind}s"
        )
    return arn


def name_of(transfer: TransferRecord) -> str:
    """The name of the transfer's latest execution: its id, then ``<id>-redrive-<n>``."""
    return (
        f"{transfer.transfer_id}{REDRIVE}{transfer.redrives}" if transfer.redrives else transfer.transfer_id
    )


def transfer_id_of(name: str) -> str:
    return name.split(REDRIVE)[0]


def start(transfer: TransferRecord) -> None:
    """Start the transfer's saga under its latest execution name (already started: nothing new)."""
    sfn = client("stepfunctions")
    with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):  # it runs (or ran): one saga
        sfn.start_execution(
            stateMachineArn=machine_arn(transfer.kind),
            name=name_of(transfer),
            input=json.dumps({"user_id": transfer.user_id, "transfer_id": transfer.transfer_id}),
        )


def running(transfer: TransferRecord) -> bool:
    """Whether the transfer's latest execution is still running (its steps may still act)."""
    machine = machine_arn(transfer.kind)
    arn = machine.replace(":stateMachine:", ":execution:", 1) + ":" + name_of(transfer)
    sfn = client("stepfunctions")
    try:
        return str(sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING"
    except sfn.exceptions.ExecutionDoesNotExist:
        return False


def failed(kind: str, since: datetime) -> list[FailedExecution]:
    """``kind``'s saga executions that failed, timed out or were aborted since ``since``."""
    machine = machine_arn(kind)
    sfn = client("stepfunctions")
    found: list[FailedExecution] = []
    for status in FAILED_STATUSES:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter=status)
        for page in pages:
            recent = [e for e in page["executions"] if e.get("stopDate") and e["stopDate"] >= since]
            found += [
                FailedExecution(e["name"], transfer_id_of(e["name"]), status, e.get("stopDate"))
                for e in recent
            ]
            if len(recent) < len(page["executions"]):  # newest first: the rest are older still
                break
    return found
