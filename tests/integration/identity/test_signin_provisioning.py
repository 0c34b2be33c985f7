"""Sign-in and background provisioning end to end on the local stack: the real authorizer, API,
EventBridge rule, SQS, provisioning function and the Privy emulator (issue 4's acceptance)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from basis.identity.tokens import MAX_CLOCK_LEEWAY_SECONDS
from basis.models import User
from local.runtime.stack import LocalStack
from tests.helpers import wait_for


def new_user() -> str:
    return f"did:privy:{uuid.uuid4().hex[:12]}"


def call(
    stack: LocalStack, method: str, path: str, user_id: str | None = None, **kwargs: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {stack.privy.issue_token(user_id)}"} if user_id else {}
    return requests.request(method, f"{stack.url('api')}/api/v1{path}", headers=headers, timeout=30, **kwargs)


def wallets_at_privy(stack: LocalStack) -> dict[str, dict[str, Any]]:
    answer = requests.get(f"{stack.url('privy')}/_local/wallets", timeout=10).json()
    return {w["id"]: w for w in answer["wallets"]}


def ready_wallets(stack: LocalStack, user_id: str) -> dict[str, Any] | None:
    body = call(stack, "GET", "/wallets/server", user_id).json()
    return body if body["ready"] else None


def test_sign_in_answers_at_once_and_wallets_appear_in_the_background(stack: LocalStack) -> None:
    user_id = new_user()
    answer = call(stack, "POST", "/auth/sync", user_id, json={"email": "alice@example.com"})
    assert answer.status_code == 200
    body = answer.json()
    assert body == {
        "user_id": user_id,
        "created": True,
        "wallets_provisioning": True,
        "server_evm_address": None,
        "server_solana_address": None,
    }
    wallets = wait_for(lambda: ready_wallets(stack, user_id))
    at_privy = wallets_at_privy(stack)
    evm, sol = at_privy[wallets["evm_wallet_id"]], at_privy[wallets["solana_wallet_id"]]
    assert (evm["chain_type"], evm["address"]) == ("ethereum", wallets["evm_address"])
    assert (sol["chain_type"], sol["address"]) == ("solana", wallets["solana_address"])
    # Custody: the user owns both (no wallet policy binds the owner); the platform's key quorum
    # signs under its override policy: the Solana policy, and on EVM a policy of this user's own.
    assert evm["owner_user"] == sol["owner_user"] == user_id
    assert evm["owner_id"] != stack.privy_ids.key_quorum_id != sol["owner_id"]
    assert evm["policy_ids"] == sol["policy_ids"] == []
    quorum = stack.privy_ids.key_quorum_id
    assert sol["additional_signers"] == [
        {"signer_id": quorum, "override_policy_ids": [stack.privy_ids.solana_policy_id]}
    ]
    [evm_signer] = evm["additional_signers"]
    assert evm_signer["signer_id"] == quorum
    [user_policy] = evm_signer["override_policy_ids"]
    assert stack.privy.store.policy(user_policy).name == f"user {wallets['evm_address']}"

    again = call(stack, "POST", "/auth/sync", user_id).json()
    assert again["created"] is False and again["wallets_provisioning"] is False
    assert again["server_evm_address"] == wallets["evm_address"]
    check = call(stack, "GET", "/auth/check", user_id).json()
    assert check["authenticated"] and check["server_solana_address"] == wallets["solana_address"]
    me = call(stack, "GET", "/auth/me", user_id).json()
    assert me["email"] == "alice@example.com" and me["server_evm_address"] == wallets["evm_address"]


def test_fifty_concurrent_sign_ins_make_one_user_and_one_wallet_per_chain(stack: LocalStack) -> None:
    user_id = new_user()
    before = set(wallets_at_privy(stack))
    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(lambda _: call(stack, "POST", "/auth/sync", user_id).status_code, range(50)))
    assert statuses == [200] * 50
    assert stack.lambdas.containers("api") > 1  # concurrent requests ran in separate containers
    wallets = wait_for(lambda: ready_wallets(stack, user_id))
    time.sleep(1.0)  # let any straggling provisioning message run: it must not add a wallet
    new = {wid: w for wid, w in wallets_at_privy(stack).items() if wid not in before}
    assert sorted(w["chain_type"] for w in new.values()) == ["ethereum", "solana"]
    assert set(new) == {wallets["evm_wallet_id"], wallets["solana_wallet_id"]}
    assert User.count(user_id) == 1


def test_sign_in_survives_privy_being_down_and_wallets_appear_when_it_recovers(stack: LocalStack) -> None:
    privy = stack.url("privy")
    requests.post(
        f"{privy}/_local/faults",
        json={"path": "/v1/wallets", "method": "POST", "status": 503, "count": 10_000},
        timeout=10,
    )
    try:
        user_id = new_user()
        answer = call(stack, "POST", "/auth/sync", user_id)
        assert answer.status_code == 200 and answer.json()["wallets_provisioning"] is True

        def failed_creates() -> int:
            log = requests.get(f"{privy}/_local/requests", params={"path": "/v1/wallets"}, timeout=10).json()
            return sum(
                1
                for r in log["requests"]
                if r["method"] == "POST" and r["status"] == 503 and r["path"] == "/v1/wallets"
            )

        seen = failed_creates()
        wait_for(lambda: failed_creates() >= seen + 1)  # the consumer tried and got 503
        assert ready_wallets(stack, user_id) is None
    finally:
        requests.delete(f"{privy}/_local/faults", timeout=10)
    # No new sign-in: the failed message comes back after its backoff and provisioning completes.
    wallets = wait_for(lambda: User.get(user_id).wallets_ready, timeout=45)
    assert wallets


def test_me_before_sign_in_is_404_and_bad_input_changes_nothing(stack: LocalStack) -> None:
    user_id = new_user()
    assert call(stack, "GET", "/auth/me", user_id).status_code == 404
    assert call(stack, "GET", "/wallets/server", user_id).status_code == 404
    bad = call(stack, "POST", "/auth/sync", user_id, json={"email": "not-an-email"})
    assert bad.status_code == 422
    assert User.count(user_id) == 0


def test_tokens_that_are_not_for_this_app_are_refused(stack: LocalStack) -> None:
    from local.privy.tokens import TokenIssuer

    foreign = TokenIssuer("another-app").issue(new_user())
    answer = requests.post(
        f"{stack.url('api')}/api/v1/auth/sync", headers={"Authorization": f"Bearer {foreign}"}, timeout=30
    )
    assert answer.status_code == 401
    expired = stack.privy.issue_token(new_user(), ttl_seconds=-MAX_CLOCK_LEEWAY_SECONDS - 1)
    answer = requests.post(
        f"{stack.url('api')}/api/v1/auth/sync", headers={"Authorization": f"Bearer {expired}"}, timeout=30
    )
    assert answer.status_code == 401
