"""Each function's log lines land in its own log file, stamped with its own invocation."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from basis.platform.observability import logger
from infra.catalog import SCHEDULES
from local.aws import function_logs
from local.aws.function_logs import FunctionLogs, Scope
from local.aws.scheduler import scheduled_event
from local.runtime.stack import LocalStack

SCAN = next(s for s in SCHEDULES if s.name == "scan")


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_two_functions_invoked_together_each_log_to_their_own_file_with_their_own_name(
    stack: LocalStack,
) -> None:
    run = uuid.uuid4().hex[:8]
    refused = {"type": "REQUEST", "methodArn": "arn:x", "path": f"/api/v1/{run}", "headers": {}}
    fired = scheduled_event(SCAN, f"arn:aws:events:us-east-1:123456789012:rule/{run}")

    def invoke(i: int) -> None:
        if i % 2:
            assert stack.lambdas.invoke("authorizer", refused).error is not None  # Unauthorized
        else:
            assert stack.lambdas.invoke("scan_dispatcher", fired).error is None

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(invoke, range(16)))
    time.sleep(0.1)
    functions = stack.log_dir / "functions"
    for name, message in (("authorizer", "request not authorized"), ("scan_dispatcher", "scan fan-out")):
        lines = records(functions / f"{name}.log")
        assert lines and {line.get("function_name") for line in lines} == {stack.lambdas.physical_name(name)}
        assert {line["function_request_id"] for line in lines if line["message"] == message}
    authorizer_lines = [r for r in records(functions / "authorizer.log") if r.get("path") == f"/api/v1/{run}"]
    assert len(authorizer_lines) == 8


def test_lines_outside_an_invocation_carry_no_function_name(stack: LocalStack) -> None:
    stack.lambdas.invoke("authorizer", {"type": "REQUEST", "methodArn": "arn:x", "headers": {}})
    marker = f"outside-{uuid.uuid4().hex[:8]}"
    with function_logs.scope(Scope("probe")):
        logger.info(marker)
    logged = next(r for r in records(stack.log_dir / "probe.log") if r["message"] == marker)
    assert "function_name" not in logged and "cold_start" not in logged


def test_verbose_echoes_routed_lines_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    FunctionLogs(tmp_path, verbose=True).write(Scope("api", keys={}), '{"message": "hello"}')
    assert (tmp_path / "functions" / "api.log").read_text() == '{"message": "hello"}\n'
    assert capsys.readouterr().err == '{"message": "hello"}\n'
