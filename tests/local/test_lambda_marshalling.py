"""The local Lambda shim puts events and results through JSON, as Lambda does."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from local.aws.containers import ContainerPool
from local.aws.lambdas import LocalLambdas, marshal, marshal_result


def test_marshal_is_a_json_round_trip() -> None:
    assert marshal({"a": (1, 2), "b": Decimal("1.5"), "c": None}) == {"a": [1, 2], "b": 1.5, "c": None}
    with pytest.raises(TypeError):
        marshal({"when": datetime.date(2024, 1, 1)})


def test_an_unserializable_result_is_a_marshal_error() -> None:
    payload, error = marshal_result({"at": datetime.datetime(2024, 1, 1)})
    assert payload is None and error is not None
    assert error["errorType"] == "Runtime.MarshalError" and "datetime" in error["errorMessage"]
    assert marshal_result({"ok": True}) == ({"ok": True}, None)


def _lambdas_with(handler: Any) -> LocalLambdas:
    """A shim whose "deposit_saga" container is ``handler`` (no handler module loaded)."""
    lambdas = LocalLambdas("basis-test-")
    container = ModuleType("fake_container")
    container.handler = handler  # type: ignore[attr-defined]
    lambdas._pools["deposit_saga"] = ContainerPool(lambda number: container, max_containers=1)
    return lambdas


def test_invoke_hands_the_handler_a_copy_and_fails_an_unserializable_result() -> None:
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        seen.append(event)
        event["mutated"] = True
        return {"set": {1, 2}} if event.get("bad") else {"tuple": (1, 2)}

    lambdas = _lambdas_with(handler)
    event = {"items": (1, 2)}
    ok = lambdas.invoke("deposit_saga", event)
    assert ok.error is None and ok.payload == {"tuple": [1, 2]}
    assert seen[0] == {"items": [1, 2], "mutated": True} and event == {"items": (1, 2)}
    failed = lambdas.invoke("basis-test-deposit_saga", {"bad": True})
    assert failed.payload is None and failed.error is not None
    assert failed.error["errorType"] == "Runtime.MarshalError"
