"""The seed's provisioning cases (2.6) against DynamoDB Local. Privy is a recording fake here (the
collaborator under our control); tests/integration/test_signin_provisioning.py uses the emulator."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from basis.models import Claim, User
from basis.platform import leases
from basis.platform.errors import ConfigurationError, UserNotFoundError
from basis.privy.ids import PrivyIds, load_privy_ids, parameter_name, store_privy_ids
from basis.wallets import store
from basis.wallets.provisioning import (
    CreatedWallet,
    ProvisioningError,
    ProvisioningInProgressError,
    ProvisioningService,
    ServerWallets,
    get_user_wallets,
    idempotency_key,
)
from local.runtime.stack import LocalStack

IDS = PrivyIds(evm_policy_id="pol-evm", solana_policy_id="pol-sol", key_quorum_id="kq-1")


class FakePrivy:
    """Creates wallets like Privy: the same idempotency key gives the same wallet back."""

    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.calls: list[dict[str, object]] = []
        self.fail_on = fail_on or set()
        self._by_key: dict[str, CreatedWallet] = {}
        self._lock = threading.Lock()

    def create_wallet(
        self, chain: str, *, user_id: str, signer_id: str | None, policy_id: str | None, idempotency_key: str
    ) -> CreatedWallet:
        with self._lock:
            self.calls.append(
                {
                    "chain": chain,
                    "user_id": user_id,
                    "signer_id": signer_id,
                    "policy_id": policy_id,
                    "key": idempotency_key,
                }
            )
            if chain in self.fail_on:
                raise ProvisioningError("Privy answered 503", chain=chain, retriable=True)
            if idempotency_key not in self._by_key:
                suffix = uuid.uuid4().hex
                address = f"0x{suffix[:40].ljust(40, '0')}" if chain == "ethereum" else f"So1{suffix[:40]}"
                self._by_key[idempotency_key] = CreatedWallet(f"w-{suffix[:16]}", address, chain)
            return self._by_key[idempotency_key]

    def chains(self) -> list[str]:
        return [str(c["chain"]) for c in self.calls]


def new_user(**wallets: str) -> str:
    user_id = f"did:privy:{uuid.uuid4().hex[:12]}"
    User(user_id, **wallets).save()  # type: ignore[arg-type]
    return user_id


# -- ServerWallets ------------------------------------------------------------------------------
def test_server_wallets_complete() -> None:
    wallets = ServerWallets("e", "0xe", "s", "So")
    assert wallets.complete and not wallets.empty


def test_server_wallets_partial() -> None:
    wallets = ServerWallets(evm_wallet_id="e", evm_address="0xe")
    assert not wallets.complete and not wallets.empty
    assert wallets.has("ethereum") and not wallets.has("solana")


def test_server_wallets_empty() -> None:
    assert ServerWallets().empty and not ServerWallets().complete


# -- get_user_wallets ---------------------------------------------------------------------------
def test_get_user_wallets_found(stack: LocalStack) -> None:
    user_id = new_user(evm_wallet_id="e1", evm_address="0xabc", solana_wallet_id="s1", solana_address="So1")
    assert get_user_wallets(user_id) == ServerWallets("e1", "0xabc", "s1", "So1")


def test_get_user_wallets_not_found(stack: LocalStack) -> None:
    assert get_user_wallets("did:privy:nobody-" + uuid.uuid4().hex) is None


def test_get_user_wallets_empty(stack: LocalStack) -> None:
    assert get_user_wallets(new_user()) == ServerWallets()


# -- ensure_wallets_for_user --------------------------------------------------------------------
def test_fast_path_does_not_call_privy(stack: LocalStack) -> None:
    privy = FakePrivy()
    user_id = new_user(evm_wallet_id="e1", evm_address="0xa", solana_wallet_id="s1", solana_address="So")
    result = ProvisioningService(privy, IDS).ensure_wallets_for_user(user_id)
    assert (result.wallets.complete, result.created, privy.calls) == (True, [], [])


def test_fresh_provisioning_creates_both_with_policies_and_guards(stack: LocalStack) -> None:
    privy = FakePrivy()
    user_id = new_user()
    result = ProvisioningService(privy, IDS).ensure_wallets_for_user(user_id)
    assert result.created == ["ethereum", "solana"]
    assert result.wallets.complete
    user = User.get(user_id)
    assert Claim.get(f"wallet#{user.evm_wallet_id}").owner == user_id  # N1 uniqueness guards
    assert Claim.get(f"wallet#{user.solana_wallet_id}").owner == user_id
    assert Claim.get(f"address#ethereum#{user.evm_address.lower()}").owner == user_id


def test_refused_with_the_lease_time_left_while_another_worker_holds_it(stack: LocalStack) -> None:
    privy = FakePrivy()
    user_id = new_user()
    with (
        leases.lease(f"provision#{user_id}", ttl_seconds=60),
        pytest.raises(ProvisioningInProgressError) as caught,
    ):
        ProvisioningService(privy, IDS).ensure_wallets_for_user(user_id)
    assert caught.value.user_id == user_id and 59 <= caught.value.retry_after <= 60
    assert privy.calls == []
    assert ProvisioningService(privy, IDS).ensure_wallets_for_user(user_id).wallets.complete


def test_a_lease_left_by_a_dead_worker_is_taken_once_it_expired(stack: LocalStack) -> None:
    user_id = new_user()
    leases.acquire(f"provision#{user_id}", ttl_seconds=30, owner="dead-worker", now=time.time() - 31)
    assert leases.seconds_left(f"provision#{user_id}") == 0
    assert ProvisioningService(FakePrivy(), IDS).ensure_wallets_for_user(user_id).wallets.complete


def test_partial_recovery_creates_only_the_missing_solana_wallet(stack: LocalStack) -> None:
    privy = FakePrivy()
    user_id = new_user(evm_wallet_id="e-existing", evm_address="0xexisting")
    result = ProvisioningService(privy, IDS).ensure_wallets_for_user(user_id)
    assert privy.chains() == ["solana"] and result.created == ["solana"]
    assert User.get(user_id).evm_wallet_id == "e-existing"


def test_user_not_in_db(stack: LocalStack) -> None:
    with pytest.raises(UserNotFoundError):
        ProvisioningService(FakePrivy(), IDS).ensure_wallets_for_user("did:privy:ghost-" + uuid.uuid4().hex)


def test_evm_failure_stops_before_solana(stack: LocalStack) -> None:
    privy = FakePrivy(fail_on={"ethereum"})
    user_id = new_user()
    with pytest.raises(ProvisioningError) as caught:
        ProvisioningService(privy, IDS).ensure_wallets_for_user(user_id)
    assert caught.value.chain == "ethereum" and caught.value.retriable
    assert privy.chains() == ["ethereum"]
    assert get_user_wallets(user_id) == ServerWallets()
    assert Claim.count(f"lease#provision#{user_id}") == 0  # the lease was given back


# -- wallet creation parameters ------------------------------------------------------------------
def test_evm_wallet_is_the_users_with_the_key_quorum_as_signer_under_the_evm_policy(
    stack: LocalStack,
) -> None:
    privy = FakePrivy()
    user_id = new_user()
    ProvisioningService(privy, IDS).ensure_wallets_for_user(user_id)
    assert privy.calls[0] == {
        "chain": "ethereum",
        "user_id": user_id,
        "signer_id": "kq-1",
        "policy_id": "pol-evm",
        "key": idempotency_key(user_id, "ethereum"),
    }


def test_solana_wallet_gets_the_solana_policy(stack: LocalStack) -> None:
    privy = FakePrivy()
    ProvisioningService(privy, IDS).ensure_wallets_for_user(new_user())
    assert privy.calls[1]["chain"] == "solana" and privy.calls[1]["policy_id"] == "pol-sol"


@pytest.mark.parametrize("missing", ["solana_policy_id", "key_quorum_id"])
def test_no_wallet_is_created_without_its_policy_and_the_key_quorum(stack: LocalStack, missing: str) -> None:
    privy = FakePrivy()
    user_id = new_user()
    ids = IDS.model_copy(update={missing: None})
    with pytest.raises(ConfigurationError, match=rf"without {missing}.*{parameter_name()}") as caught:
        ProvisioningService(privy, ids).ensure_wallets_for_user(user_id)
    assert caught.value.details == {"missing": [missing]}
    assert privy.calls == []  # fails closed: not even the EVM wallet
    assert get_user_wallets(user_id) == ServerWallets()
    assert Claim.count(f"lease#provision#{user_id}") == 0


def test_a_user_whose_wallets_are_ready_needs_no_ids(stack: LocalStack) -> None:
    user_id = new_user(evm_wallet_id="e1", evm_address="0xa", solana_wallet_id="s1", solana_address="So")
    ids = PrivyIds(evm_policy_id="pol-evm")
    assert ProvisioningService(FakePrivy(), ids).ensure_wallets_for_user(user_id).wallets.complete


# -- policy ids (seed 1.5) ------------------------------------------------------------------------
def test_privy_ids_round_trip_through_ssm(stack: LocalStack) -> None:
    original = (
        stack.client("ssm").get_parameter(Name=parameter_name())["Parameter"]["Value"]
        if _has_parameter(stack)
        else None
    )
    try:
        store_privy_ids(IDS)
        assert load_privy_ids() == IDS
    finally:
        if original is not None:
            store_privy_ids(PrivyIds.model_validate_json(original))


def test_missing_privy_ids_name_the_parameter_and_the_fix(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("basis.privy.ids.parameter_name", lambda: "/basis/missing/privy")
    with pytest.raises(ConfigurationError, match=r"/basis/missing/privy is missing.*privy_setup"):
        load_privy_ids()


def _has_parameter(stack: LocalStack) -> bool:
    ssm = stack.client("ssm")
    return bool(ssm.get_parameters(Names=[parameter_name()])["Parameters"])


# -- failures between Privy and the database ------------------------------------------------------
def test_wallet_created_but_not_recorded_is_adopted_not_duplicated(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    privy = FakePrivy()
    user_id = new_user()
    service = ProvisioningService(privy, IDS)
    real_write = store.record_wallet
    failures = {"left": 1}

    def flaky_write(uid: str, wallet: CreatedWallet) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise store.WalletNotRecordedError("injected: DynamoDB unavailable")
        real_write(uid, wallet)

    monkeypatch.setattr(store, "record_wallet", flaky_write)
    with pytest.raises(ProvisioningError, match="could not record ethereum wallet"):
        service.ensure_wallets_for_user(user_id)
    orphan = Claim.get(f"orphan#{user_id}#ethereum")
    assert orphan.data is not None

    result = service.ensure_wallets_for_user(user_id)
    assert result.wallets.complete
    assert privy.chains() == ["ethereum", "solana"]  # the orphan was adopted: no second EVM create
    assert Claim.count(f"orphan#{user_id}#ethereum") == 0


def test_a_wallet_id_owned_by_another_user_is_refused(stack: LocalStack) -> None:
    privy = FakePrivy()
    first = new_user()
    ProvisioningService(privy, IDS).ensure_wallets_for_user(first)
    stolen = User.get(first).evm_wallet_id

    class SameWallet(FakePrivy):
        def create_wallet(self, chain: str, **kwargs: object) -> CreatedWallet:
            return CreatedWallet(stolen, "0xdeadbeef", chain)

    second = new_user()
    with pytest.raises(ProvisioningError):
        ProvisioningService(SameWallet(), IDS).ensure_wallets_for_user(second)
    assert get_user_wallets(second) == ServerWallets()


def test_concurrent_workers_create_each_wallet_once(stack: LocalStack) -> None:
    privy = FakePrivy()
    user_id = new_user()
    service = ProvisioningService(privy, IDS)

    def attempt(_: int) -> str:
        try:
            return "ready" if service.ensure_wallets_for_user(user_id).wallets.complete else "partial"
        except ProvisioningInProgressError:
            return "in_progress"

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = set(pool.map(attempt, range(32)))
    assert "ready" in results and "partial" not in results
    assert sorted(privy.chains()) == ["ethereum", "solana"]
    assert get_user_wallets(user_id).complete  # type: ignore[union-attr]
