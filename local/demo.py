"""``basis-local demo``: the user journey against the local stack, printed as a timeline.

Uses a running stack (``basis-local up``) when there is one, else starts a fresh one for the run.
Everything goes through the same doors a user or AWS would use: HTTP to the API, the AWS endpoint
for Step Functions and SQS, DynamoDB through the product's models.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import requests

from local import state


class Timeline:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def say(self, step: str, detail: str = "") -> None:
        print(f"[{time.perf_counter() - self.start:7.2f}s] {step:<26} {detail}", flush=True)


class DemoTarget:
    """Where the demo sends its requests: URLs and the environment of the stack."""

    def __init__(self, info: dict[str, Any], environment: dict[str, str]) -> None:
        self.urls: dict[str, str] = info["urls"]
        os.environ.update(environment)
        from basis.config import get_settings
        from basis.runtime import bootstrap

        get_settings.cache_clear()
        bootstrap()

    def aws(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name="us-east-1", endpoint_url=self.urls["aws"])

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.urls['api']}/api/v1{path}", timeout=30, **kwargs)


def _wait_execution(sfn: Any, arn: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described = dict(sfn.describe_execution(executionArn=arn))
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.2)


def show_health(target: DemoTarget, say: Timeline) -> None:
    answer = target.api("GET", "/health")
    report = answer.json()
    say.say("GET /api/v1/health", f"HTTP {answer.status_code} status={report['status']}")
    for name, probe in report["dependencies"].items():
        say.say("", f"  {name:<13} {'ok ' if probe['ok'] else 'DOWN'} {probe['latency_ms']:>7.1f} ms  {probe['detail']}")
    document = target.api("GET", "/openapi.json").json()
    say.say("GET /api/v1/openapi.json", f"OpenAPI {document['openapi']}, {len(document['paths'])} paths")
    refused = target.api("GET", "/wallets/server")
    say.say("no token -> protected", f"HTTP {refused.status_code} {refused.json()}")


def show_scan_schedule(target: DemoTarget, say: Timeline, user_id: str) -> None:
    from basis.models import ControlFlag, StrategyConfig

    StrategyConfig(user_id, enabled=True, enabled_flag="1").save()
    say.say("strategy enabled", user_id)
    before = _heartbeat_count()
    deadline = time.monotonic() + 90
    while _heartbeat_count() == before and time.monotonic() < deadline:
        time.sleep(0.2)
    flag = ControlFlag.get("schedule#scan")
    say.say("scan schedule fired", json.dumps(flag.details.as_dict()))


def _heartbeat_count() -> int:
    from basis.models import ControlFlag

    try:
        return int(ControlFlag.get("schedule#scan").counter)
    except ControlFlag.DoesNotExist:
        return 0


def show_deposit_saga(target: DemoTarget, say: Timeline, user_id: str) -> None:
    from basis.models import Transfer

    sfn = target.aws("stepfunctions")
    machine = os.environ["BASIS_DEPOSIT_SAGA_ARN"]
    for amount in (100, 3):
        transfer_id = f"dep-{uuid.uuid4().hex[:12]}"
        Transfer(user_id, transfer_id, kind="deposit", amount_usdc=amount).save()
        started = sfn.start_execution(stateMachineArn=machine, name=transfer_id,
                                      input=json.dumps({"user_id": user_id, "transfer_id": transfer_id}))
        result = _wait_execution(sfn, started["executionArn"])
        transfer = Transfer.get(user_id, transfer_id)
        say.say(f"deposit saga {amount} USDC",
                f"execution {result['status']}, stage={transfer.stage} {transfer.error or ''}".rstrip())


def run_demo(speed: float) -> int:
    say = Timeline()
    current = state.running()
    stack = None
    if current:
        say.say("using running stack", f"pid {current['pids']['stack']}")
        target = DemoTarget(current, current["environment"])
    else:
        from local.ports import configured_ports
        from local.stack import LocalStack

        stack = LocalStack(configured_ports(), speed=speed).start()
        say.say("local stack started", f"in {stack.timings.total:.2f}s, schedules x{speed:g}")
        target = DemoTarget(stack.describe(), stack.environment())
    try:
        user_id = f"did:privy:demo-{uuid.uuid4().hex[:8]}"
        show_health(target, say)
        show_scan_schedule(target, say, user_id)
        show_deposit_saga(target, say, user_id)
        say.say("demo finished")
        return 0
    finally:
        if stack is not None:
            stack.stop()
            say.say("local stack stopped")
