"""The API against its own OpenAPI document (schemathesis, pinned in the dev dependencies): generated
requests, valid and invalid, with a user's token and with none, through the local gateway. Zero
server errors; every status, content type and body as the document declares.

Driven from plain pytest tests (hypothesis ``@given`` over each operation's strategy) because the
document is served by the running local stack, which exists only once the session fixture started.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.api_client import ApiClient

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 20


def run_every_operation(api_client: ApiClient, headers: dict[str, str]) -> int:
    """Generated positive and negative cases for every operation; returns how many operations ran."""
    schema = schemathesis.openapi.from_url(f"{api_client.base}/openapi.json")
    base_url = api_client.stack.url("api")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    for operation in operations:
        # Negative cases need something to break: a body or a parameter.
        has_input = bool(operation.body) or any(
            len(group) for group in (operation.query, operation.path_parameters, operation.headers)
        )
        modes = (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_input else (GenerationMode.POSITIVE,)
        )
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Case) -> None:
                if case.headers is not None:
                    case.headers.pop("Authorization", None)
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

            call()
    return len(operations)


@pytest.mark.parametrize("with_token", [True, False], ids=["user-token", "no-token"])
def test_every_operation_conforms(api_client: ApiClient, signed_in_user: str, with_token: bool) -> None:
    headers = {"Authorization": f"Bearer {api_client.user_token(signed_in_user)}"} if with_token else {}
    assert run_every_operation(api_client, headers) >= 6
