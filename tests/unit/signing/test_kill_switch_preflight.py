"""While the kill switch is engaged the signer asks Privy for no platform signature (refused, with
the switch's reason, before anything is reserved or sent); a user's own signature still goes out."""

from __future__ import annotations

from typing import Any

import pytest

from basis.api.errors import status_of
from basis.signing import signer as signer_module
from basis.signing.errors import KillSwitchEngagedError
from basis.signing.signer import PrivyWalletSigner
from tests.unit.policies.requests_factory import hl_order_typed_data
from tests.unit.signing.fakes import FakeBreaker, ScriptedWallets

ORDER = hl_order_typed_data()["typed_data"]


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    recorded: list[Any] = []
    monkeypatch.setattr(signer_module.telemetry, "record", lambda event, **_: recorded.append(event))
    return recorded


def signer(wallets: ScriptedWallets, breaker: FakeBreaker, **kwargs: Any) -> PrivyWalletSigner:
    return PrivyWalletSigner(
        "did:privy:u1", "w1", "0xabc", "ethereum", breaker=breaker, wallet_service=wallets, **kwargs
    )


def test_a_platform_signature_is_refused_while_engaged(
    kill_switch_engaged: list[bool], events: list[Any]
) -> None:
    kill_switch_engaged[0] = True
    wallets, breaker = ScriptedWallets("0xsig"), FakeBreaker()
    with pytest.raises(KillSwitchEngagedError) as refused:
        signer(wallets, breaker, authorization_key="").sign_typed_data_v4(ORDER)
    assert "kill switch is engaged (test)" in refused.value.message
    assert not refused.value.retriable and status_of(refused.value) == 409
    assert (wallets.bodies, breaker.calls) == ([], 0)
    assert [e.result for e in events] == ["kill_switch"]


def test_once_lifted_it_signs_again(kill_switch_engaged: list[bool], events: list[Any]) -> None:
    wallets = ScriptedWallets("0xsig")
    assert signer(wallets, FakeBreaker(), authorization_key="").sign_typed_data_v4(ORDER) == "0xsig"


def test_the_user_s_own_signature_is_not_refused(kill_switch_engaged: list[bool], events: list[Any]) -> None:
    kill_switch_engaged[0] = True
    wallets = ScriptedWallets("0xsig")
    own = signer(wallets, FakeBreaker(), user_access_token="user-token")
    assert own.sign_typed_data_v4(ORDER) == "0xsig" and len(wallets.bodies) == 1
