"""The tenant sweep, generated from the running API's own ``/api/v1/openapi.json``: every operation
whose path takes an id, called by user B with each real id of user A (and a body, query and headers
its schema accepts, so that a 422 cannot mask the check), answers 404 and changes nothing: every
item of every DynamoDB table (none ignored: a refused request writes nothing, there is no rate-limit
or last-seen counter), A's USDC, ETH and nonce on anvil, A's account at the Hyperliquid simulator
and the Privy policy of A's EVM wallet are as they were. The same GETs by A answer 200: the ids are
real, the 404s are about the caller.

A route added with a new kind of id fails here until A is given a real one in ``ids_of`` (there is
no test to write for the route itself); a document with no route with an id fails too.

Admin routes take no id today. One that does is swept like the others, with B's user token, and
may answer 403 ``admin only`` instead of 404: the role check runs before anything is read and
answers the same whatever the id, so it tells B nothing about A's; making it look the id up first
to answer 404 would do work for a caller who may not call the route at all.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
import schemathesis
from eth_account import Account
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case
from schemathesis.core import NotSet
from schemathesis.generation import GenerationMode

from basis.positions import service
from basis.privy.client import privy_client
from local.cli.funding import Funding, fund_user
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.helpers import sign_in
from tests.integration.positions.conftest import settled as position_settled
from tests.integration.transfers.operations import settled as operation_settled

METHODS = ("get", "put", "post", "delete", "patch")
# What an admin route answers a user's token before it reads anything, whatever the id.
ADMIN_ONLY = {"error": {"code": "forbidden", "message": "admin only"}}


@dataclass(frozen=True)
class Owner:
    """User A and A's things, each a kind of id a path parameter can name."""

    user_id: str
    wallets: dict[str, Any]
    ids: dict[str, list[str]]  # path parameter -> A's real ids of that kind


def ids_of(api: ApiClient, user_id: str, wallets: dict[str, Any]) -> dict[str, list[str]]:
    """A's real resources, one (or more) of each kind a path parameter names, all settled: a
    deposit and a withdrawal (operations), a paper position, a registered withdrawal address."""
    evm = wallets["evm_address"]
    fund_user({"anvil": api.stack.url("anvil")}, user_id, Funding(usdc=Decimal(20)))
    api.stack.hyperliquid.credit_deposit(evm, Decimal(20), f"credit-{user_id}:0")  # to withdraw from
    deposit = api.post("/funding/deposits", user=user_id, json={"amount_usdc": "10"})
    withdrawal = api.post("/funding/withdrawals", user=user_id, json={"amount_usdc": "10"})
    assert (deposit.status_code, withdrawal.status_code) == (200, 200), (deposit.text, withdrawal.text)
    address = str(Account.create().address)
    registered = api.post("/funding/withdrawal-addresses", user=user_id, json={"address": address})
    assert registered.status_code == 200, registered.text
    position = service.open_position(
        user_id, asset="SOL", size_usd=Decimal(150), leverage=Decimal(3), mode="paper", reason="sweep"
    )
    operations = [deposit.json()["id"], withdrawal.json()["id"]]
    stages = [operation_settled(api, user_id, op)["stage"] for op in operations]
    assert stages == ["hl_credited", "completed"], stages
    assert position_settled(user_id, position.position_id).status == "open"
    return {
        "operation_id": operations,
        "position_id": [position.position_id],
        "address": [address, address.lower()],  # the API accepts an address in one case too
    }


@pytest.fixture(scope="module")
def tenants(stack: LocalStack) -> tuple[Owner, str]:
    """User A with A's things, and user B."""
    api = ApiClient(stack)
    owner_id, intruder = sign_in(stack, "owner"), sign_in(stack, "intruder")
    wallets = api.get("/wallets/server", user=owner_id).json()
    return Owner(owner_id, wallets, ids_of(api, owner_id, wallets)), intruder


# -- what "changes nothing" compares ---------------------------------------------------------------
def tables(stack: LocalStack) -> dict[str, list[str]]:
    """Every item of every table of the stack, each as canonical JSON, sorted."""
    dynamodb = stack.client("dynamodb")
    snapshot = {}
    for name in dynamodb.list_tables()["TableNames"]:
        items: list[str] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            items += [json.dumps(item, sort_keys=True) for item in page["Items"]]
        snapshot[name] = sorted(items)
    return snapshot


def on_chain(stack: LocalStack, owner: Owner) -> dict[str, Any]:
    """A's EVM wallet on anvil (USDC, ETH, nonce), A's Hyperliquid account at the simulator, and
    A's EVM wallet at Privy with the policy the platform signs it under (the registered addresses)."""
    evm = owner.wallets["evm_address"]
    wallet = privy_client().wallets.get(owner.wallets["evm_wallet_id"])
    policies = [
        privy_client().policies.get(p).model_dump()
        for p in wallet.additional_signers[0].override_policy_ids or []
    ]
    w3 = stack.evm.web3()
    state = stack.hyperliquid.state
    with state.lock:
        hyperliquid = repr(
            (
                state.accounts.get(evm.lower()),
                state.fills.get(evm.lower()),
                state.ledger_updates.get(evm.lower()),
                state.user_funding.get(evm.lower()),
                [w for w in state.withdrawals if w.user.lower() == evm.lower()],
            )
        )
    return {
        "usdc": stack.evm.usdc(w3).functions.balanceOf(evm).call(),
        "eth": w3.eth.get_balance(evm),
        "nonce": w3.eth.get_transaction_count(evm),
        "hyperliquid": hyperliquid,
        "privy": (wallet.model_dump(), policies),
    }


def quiet(read: Callable[[], Any], settle: float = 1.0, timeout: float = 20) -> Any:
    """``read()`` once it stopped changing for ``settle`` seconds (earlier work has finished)."""
    deadline = time.monotonic() + timeout
    last = read()
    while True:
        time.sleep(settle)
        now = read()
        if now == last:
            return now
        assert time.monotonic() < deadline, "the stack never went quiet"
        last = now


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    lines = []
    for table in sorted(before.keys() | after.keys()):
        was, now = set(before.get(table, [])), set(after.get(table, []))
        lines += [f"{table}: - {item}" for item in sorted(was - now)]
        lines += [f"{table}: + {item}" for item in sorted(now - was)]
    return lines


# -- the operations and their calls ----------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    method: str
    path: str  # with A's ids in it
    json: Any
    params: dict[str, Any]
    headers: dict[str, str]


def operations_with_ids(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(method, path template, path parameters) of every operation whose path takes a parameter."""
    return [
        (method.upper(), path, re.findall(r"{(\w+)}", path))
        for path, item in sorted(document["paths"].items())
        for method in METHODS
        if method in item and "{" in path
    ]


def a_valid_case(schema: Any, method: str, path: str) -> Case:
    """A request the operation's schema accepts (body, query, headers): schemathesis' positive
    generation, one derandomized draw (the simplest values first; no shrinking: fast)."""
    drawn: list[Case] = []

    @given(schema[path][method].as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=1,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def draw(case: Case) -> None:
        drawn.append(case)

    draw()
    return drawn[0]


def body_of(document: dict[str, Any], method: str, path: str, case: Case) -> Any:
    """The operation's own JSON example when the document declares one, else the generated body."""
    content = document["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    declared = content.get("application/json", {})
    if "example" in declared:
        return declared["example"]
    return None if isinstance(case.body, NotSet) else case.body


def calls(document: dict[str, Any], ids: dict[str, list[str]]) -> list[Call]:
    """Every call of the sweep: each operation with an id, once per id of A's (and per combination
    when a path takes several); fails naming any path parameter with no id of A's."""
    swept = operations_with_ids(document)
    assert swept, "the OpenAPI document lists no operation with a path parameter: nothing swept"
    unknown = sorted(
        {f"{name} (in {method} {path})" for method, path, names in swept for name in names if name not in ids}
    )
    assert not unknown, (
        f"no id of user A for path parameter(s) {', '.join(unknown)}: give A a real resource of that "
        "kind in ids_of() (tests/integration/api/test_tenant_sweep.py) so the route is swept"
    )
    schema = schemathesis.openapi.from_dict(document)
    made = []
    for method, path, names in swept:
        case = a_valid_case(schema, method, path)
        combinations: list[dict[str, str]] = [{}]
        for name in names:
            combinations = [{**combo, name: value} for combo in combinations for value in ids[name]]
        headers = {k: str(v) for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        for combo in combinations:
            filled = path.format_map(combo)
            made.append(
                Call(method, filled, body_of(document, method, path, case), dict(case.query or {}), headers)
            )
    return made


def test_every_route_with_an_id_answers_404_to_another_user_and_changes_nothing(
    api_client: ApiClient, tenants: tuple[Owner, str]
) -> None:
    owner, intruder = tenants
    document = api_client.get("/openapi.json").json()
    sweep = calls(document, owner.ids)
    stack = api_client.stack
    before = quiet(lambda: (tables(stack), on_chain(stack, owner)))

    answers = {}
    for call in sweep:
        answer = api_client.request(
            call.method,
            call.path.removeprefix("/api/v1"),
            user=intruder,
            json=call.json,
            params=call.params,
            headers=call.headers,
        )
        refused = answer.status_code == 404 or (answer.status_code == 403 and answer.json() == ADMIN_ONLY)
        answers[f"{call.method} {call.path}"] = (refused, answer.status_code, answer.text[:200])
    after = (tables(stack), on_chain(stack, owner))

    not_404 = {route: answer[1:] for route, answer in answers.items() if not answer[0]}
    assert not not_404, (
        f"user B got something else than 404 for user A's ids: {json.dumps(not_404, indent=1)}"
    )
    assert not changed(before[0], after[0]), "\n".join(["DynamoDB changed:", *changed(before[0], after[0])])
    assert after[1] == before[1], f"A's on-chain or Privy state changed: {before[1]} -> {after[1]}"
    # The same calls by A are answered (the ids are real): the 404s above are about the caller.
    for call in sweep:
        if call.method == "GET":
            own = api_client.request(
                call.method, call.path.removeprefix("/api/v1"), user=owner.user_id, params=call.params
            )
            assert own.status_code == 200, f"A's own {call.method} {call.path}: {own.status_code} {own.text}"


# -- the sweep's own failures (no stack: the document as the API builds it) ------------------------
@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from basis.api.app import create_app

    built: dict[str, Any] = json.loads(create_app().get_openapi_json_schema())
    return built


IDS = {"operation_id": ["op-1"], "position_id": ["pos-1"], "address": ["0x" + "ab" * 20]}


def test_a_path_parameter_without_an_id_of_a_fails_the_sweep_naming_it(document: dict[str, Any]) -> None:
    grown = copy.deepcopy(document)
    grown["paths"]["/api/v1/vaults/{vault_id}"] = {
        "get": grown["paths"]["/api/v1/positions/{position_id}"]["get"]
    }
    with pytest.raises(
        AssertionError,
        match=r"no id of user A for path parameter\(s\) vault_id \(in GET /api/v1/vaults/\{vault_id\}\)",
    ):
        calls(grown, IDS)


def test_a_document_without_a_route_with_an_id_fails_the_sweep(document: dict[str, Any]) -> None:
    bare = {**document, "paths": {p: item for p, item in document["paths"].items() if "{" not in p}}
    with pytest.raises(AssertionError, match="nothing swept"):
        calls(bare, IDS)


def test_a_route_with_an_id_and_a_body_is_called_with_a_schema_valid_body(document: dict[str, Any]) -> None:
    """Today no route with an id takes a body: one that does (here the DELETE of an address, given
    the body of the address registration) is called with a body its schema accepts."""
    grown = copy.deepcopy(document)
    register = grown["paths"]["/api/v1/funding/withdrawal-addresses"]["post"]
    grown["paths"]["/api/v1/funding/withdrawal-addresses/{address}"]["delete"]["requestBody"] = register[
        "requestBody"
    ]
    [call] = [c for c in calls(grown, IDS) if c.method == "DELETE"]
    assert call.path == f"/api/v1/funding/withdrawal-addresses/{IDS['address'][0]}"
    schema = register["requestBody"]["content"]["application/json"]["schema"]
    jsonschema.validate(call.json, {**schema, "components": grown["components"]})
    assert "Authorization" not in call.headers
