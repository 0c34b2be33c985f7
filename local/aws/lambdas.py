"""Runs the real Lambda handlers in-process, as the Lambda service would call them.

Each ``functions/<name>/handler.py`` runs in warm containers (``local.aws.containers``): a
container is the handler module imported under a private name (its cold start). Handlers get a
Lambda-like context, and their output goes to their own function log (``local.aws.function_logs``).
Errors come back the way Lambda reports them (``errorType`` / ``errorMessage`` / ``stackTrace``),
so Step Functions Retry/Catch see the same error names.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Any

from infra.catalog import FUNCTIONS, function
from local.aws import function_logs
from local.aws.containers import ContainerPool, ThrottledError

# Containers per function at most: enough for the stack's concurrency on a laptop, few enough that
# a burst of requests does not import the handler once per request.
MAX_CONTAINERS = 8


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    payload: Any
    error: dict[str, Any] | None
    duration_ms: float


def _lambda_default(value: Any) -> Any:
    # The Python runtime's encoder writes Decimal as a JSON number; nothing else non-JSON passes.
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal(value: Any) -> Any:
    """``value`` after the JSON round trip Lambda puts every event and result through."""
    return json.loads(json.dumps(value, default=_lambda_default))


def marshal_result(payload: Any) -> tuple[Any, dict[str, Any] | None]:
    """A handler's result as the caller receives it, or Lambda's ``Runtime.MarshalError``."""
    try:
        return marshal(payload), None
    except (TypeError, ValueError) as exc:
        return None, {
            "errorType": "Runtime.MarshalError",
            "errorMessage": f"Unable to marshal response: {exc}",
        }


def function_arn(physical_name: str, region: str = "us-east-1", account: str = "123456789012") -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{physical_name}"


def _load_handler(name: str, number: int) -> ModuleType:
    """A container's init: the handler module executed afresh under a private name."""
    spec = importlib.util.spec_from_file_location(f"basis_fn_{name}_{number}", function(name).handler_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load handler of {name}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def describe_error(error: dict[str, Any]) -> str:
    """An invocation's error as Lambda's runtime logs it: type, message, then the traceback."""
    trace = "".join(error.get("stackTrace", []))
    return (
        f"[ERROR] {error['errorType']}: {error['errorMessage']}\nTraceback (most recent call last):\n{trace}"
    )


class LocalLambdas:
    """Invokes each catalog function in its warm containers, with a Lambda-shaped context."""

    def __init__(self, physical_prefix: str, *, max_containers: int = MAX_CONTAINERS) -> None:
        self.physical_prefix = physical_prefix
        self._pools = {
            fn.name: ContainerPool(functools.partial(_load_handler, fn.name), max_containers)
            for fn in FUNCTIONS
        }
        self._lock = threading.Lock()
        self.invocations: dict[str, int] = {fn.name: 0 for fn in FUNCTIONS}

    def physical_name(self, name: str) -> str:
        return f"{self.physical_prefix}{name}"

    def resolve(self, name_or_arn: str) -> str:
        """Catalog name from a function name or ARN (``...:function:<physical name>[:qualifier]``)."""
        name = name_or_arn
        if name.startswith("arn:"):
            name = name.split(":function:", 1)[1].split(":", 1)[0]
        if name.startswith(self.physical_prefix):
            name = name[len(self.physical_prefix) :]
        function(name)  # raises KeyError for an unknown function
        return name

    def containers(self, name: str) -> int:
        """How many containers ``name`` has (each was a cold start)."""
        return self._pools[name].size

    def invoke(self, name_or_arn: str, event: Any) -> Invocation:
        """Run the handler on a JSON copy of ``event``; a result that is not JSON fails the call with
        ``Runtime.MarshalError`` as on Lambda. An event that is not JSON raises ``TypeError``."""
        name = self.resolve(name_or_arn)
        event = marshal(event)
        spec = function(name)
        context = LambdaContext(
            function_name=self.physical_name(name),
            memory_limit_in_mb=spec.memory_mb,
            timeout_seconds=spec.timeout_seconds,
            invoked_function_arn=function_arn(self.physical_name(name)),
            _deadline=time.monotonic() + spec.timeout_seconds,
        )
        started = time.perf_counter()
        with self._lock:
            self.invocations[name] += 1
        current = function_logs.Scope(name, function_logs.invocation_keys(context, cold_start=True))
        with function_logs.scope(current):
            try:  # an init (import) error fails the invocation, as on Lambda
                with self._pools[name].container(spec.timeout_seconds) as (container, cold):
                    current.keys = function_logs.invocation_keys(context, cold)
                    payload, error = marshal_result(container.handler(event, context))
            except ThrottledError as exc:
                payload, error = None, {"errorType": "TooManyRequestsException", "errorMessage": str(exc)}
            except Exception as exc:
                payload, error = None, _error(exc)
                print(describe_error(error))  # into the function's log, as Lambda's runtime does
        return Invocation(payload, error, (time.perf_counter() - started) * 1000)
