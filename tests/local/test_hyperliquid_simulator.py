"""The official hyperliquid-python-sdk, unmodified, against the Hyperliquid simulator over HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import eth_account
import pytest
import requests
from eth_account.signers.local import LocalAccount
from hyperliquid.exchange import Exchange
from hyperliquid.info import Info
from hyperliquid.utils import signing
from hyperliquid.utils.types import Cloid

from local.chains.anvil import Anvil
from local.chains.dev_accounts import DevAccount
from local.chains.evm_deploy import deploy, send_transaction
from local.chains.evm_funding import fund_eth, mint_usdc
from local.hyperliquid import BridgeWatcher, HyperliquidSimulator
from local.hyperliquid.nonces import DAY_MS
from local.runtime.httpservice import ServedApp
from local.runtime.ports import free_port

pytestmark = pytest.mark.integration

D = Decimal


@dataclass
class Venue:
    sim: HyperliquidSimulator
    url: str
    payouts: list[tuple[str, Decimal, int]] = field(default_factory=list)

    def exchange(self, wallet: LocalAccount) -> Exchange:
        return Exchange(wallet, self.url)

    def post(self, body: dict[str, Any]) -> Any:
        response = requests.post(f"{self.url}/exchange", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()


class SwappableApp:
    """One server for the module (stopping a werkzeug server costs 0.5 s); a fresh simulator per test."""

    def __init__(self) -> None:
        self.app: HyperliquidSimulator = HyperliquidSimulator()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[SwappableApp, str]]:
    swappable = SwappableApp()
    served = ServedApp(swappable, 0, "hyperliquid-test").start()
    try:
        yield swappable, served.url
    finally:
        served.stop()


@pytest.fixture
def venue(server: tuple[SwappableApp, str]) -> Venue:
    swappable, url = server
    swappable.app = HyperliquidSimulator()
    v = Venue(swappable.app, url)
    swappable.app.on_withdrawal = lambda dest, amount, nonce: v.payouts.append((dest, amount, nonce))
    return v


@pytest.fixture
def info(venue: Venue) -> Info:
    return Info(venue.url, skip_ws=True)


@pytest.fixture
def user(venue: Venue) -> LocalAccount:
    wallet: LocalAccount = eth_account.Account.create()
    assert venue.sim.credit_deposit(wallet.address, D(1000), f"0xdeposit-{wallet.address}:0")
    return wallet


def _position(info: Info, address: str, coin: str = "SOL") -> dict[str, Any] | None:
    positions = [
        p["position"] for p in info.user_state(address)["assetPositions"] if p["position"]["coin"] == coin
    ]
    return positions[0] if positions else None


def _signed_order(
    wallet: LocalAccount, info: Info, *, is_buy: bool, sz: float, px: float, nonce: int
) -> dict:
    order = signing.order_request_to_order_wire(
        {
            "coin": "SOL",
            "is_buy": is_buy,
            "sz": sz,
            "limit_px": px,
            "order_type": {"limit": {"tif": "Ioc"}},
            "reduce_only": False,
        },
        info.name_to_asset("SOL"),
    )
    action = signing.order_wires_to_order_action([order])
    signature = signing.sign_l1_action(wallet, action, None, nonce, None, False)
    return {
        "action": action,
        "nonce": nonce,
        "signature": signature,
        "vaultAddress": None,
        "expiresAfter": None,
    }


def _signed_withdraw(wallet: LocalAccount, amount: str, destination: str, nonce: int) -> dict:
    action = {"destination": destination, "amount": amount, "time": nonce, "type": "withdraw3"}
    signature = signing.sign_withdraw_from_bridge_action(wallet, action, False)
    return {
        "action": action,
        "nonce": nonce,
        "signature": signature,
        "vaultAddress": None,
        "expiresAfter": None,
    }


def test_info_meta_mids_and_book_parse(venue: Venue, info: Info) -> None:
    assert [a["name"] for a in info.meta()["universe"]] == ["BTC", "ETH", "SOL"]
    assert info.name_to_asset("SOL") == 2 and info.asset_to_sz_decimals[2] == 2
    assert D(info.all_mids()["SOL"]) == D(150)
    book = info.l2_snapshot("SOL")
    bids, asks = book["levels"]
    assert D(bids[0]["px"]) < D(150) < D(asks[0]["px"])
    assert all(D(b["px"]) > D(n["px"]) for b, n in itertools.pairwise(bids))
    meta, ctxs = info.meta_and_asset_ctxs()
    sol = ctxs[[a["name"] for a in meta["universe"]].index("SOL")]
    assert D(sol["markPx"]) == D(150) and D(sol["funding"]) == D("0.0000125")
    venue.sim.set_mark("SOL", D("151.5"))
    assert info.all_mids()["SOL"] == "151.5"


def test_short_funding_close_and_withdraw_reconcile(venue: Venue, info: Info, user: LocalAccount) -> None:
    exchange = venue.exchange(user)
    assert exchange.update_leverage(5, "SOL") == {"status": "ok", "response": {"type": "default"}}

    opened = exchange.market_open("SOL", False, 1.0)
    assert opened["status"] == "ok" and opened["response"]["type"] == "order"
    filled = opened["response"]["data"]["statuses"][0]["filled"]
    open_px = D(filled["avgPx"])
    assert D(filled["totalSz"]) == 1 and abs(open_px - 150) / 150 < D("0.001")

    position = _position(info, user.address)
    assert position is not None and D(position["szi"]) == -1 and D(position["entryPx"]) == open_px
    assert position["leverage"] == {"type": "cross", "value": 5}
    state = info.user_state(user.address)
    value = D(state["marginSummary"]["accountValue"])
    margin = D(state["marginSummary"]["totalMarginUsed"])
    assert margin == D(150) / 5
    assert D(state["withdrawable"]) == value - margin
    open_fee = D(info.user_fills(user.address)[0]["fee"])
    assert value == 1000 - open_fee + (open_px - 150)  # unrealized PnL of the short at mark 150

    venue.sim.set_funding_path("SOL", [D("0.0001"), D("0.0002")])
    venue.sim.accrue_funding(hours=3)
    funding = info.user_funding_history(user.address, 0)
    assert [D(f["delta"]["usdc"]) for f in funding] == [D("0.015"), D("0.03"), D("0.015")]  # shorts receive
    assert len(info.funding_history("SOL", 0)) == 3
    assert D(_position(info, user.address)["cumFunding"]["allTime"]) == D("-0.06")  # type: ignore[index]
    assert D(info.user_state(user.address)["marginSummary"]["accountValue"]) == value + D("0.06")

    venue.sim.set_mark("SOL", D(140))
    closed = exchange.market_close("SOL")
    close_fill = closed["response"]["data"]["statuses"][0]["filled"]
    assert _position(info, user.address) is None
    fills = info.user_fills(user.address)
    assert [f["dir"] for f in fills] == ["Close Short", "Open Short"]
    assert D(fills[0]["closedPnl"]) == open_px - D(close_fill["avgPx"])
    fees = sum(D(f["fee"]) for f in fills)
    expected = 1000 - fees + D(fills[0]["closedPnl"]) + D("0.06")
    state = info.user_state(user.address)
    assert D(state["marginSummary"]["accountValue"]) == expected == D(state["withdrawable"])

    refused = exchange.withdraw_from_bridge(1100.0, user.address)  # above the ~1009.76 withdrawable
    assert refused["status"] == "err" and "Insufficient" in refused["response"]
    assert venue.payouts == []
    assert exchange.withdraw_from_bridge(100.0, user.address) == {
        "status": "ok",
        "response": {"type": "default"},
    }
    [(destination, amount, nonce)] = venue.payouts
    assert destination == user.address and amount == D(99) and nonce > 0
    assert D(info.user_state(user.address)["withdrawable"]) == expected - 100


def test_margin_keeps_withdrawable_honest(venue: Venue, info: Info) -> None:
    wallet: LocalAccount = eth_account.Account.create()
    venue.sim.credit_deposit(wallet.address, D(100), "0xsmall:0")
    exchange = venue.exchange(wallet)
    exchange.update_leverage(2, "SOL")
    too_big = exchange.market_open("SOL", False, 2.0)
    assert "Insufficient margin" in too_big["response"]["data"]["statuses"][0]["error"]
    assert exchange.market_open("SOL", False, 1.0)["response"]["data"]["statuses"][0]["filled"]
    withdrawable = D(info.user_state(wallet.address)["withdrawable"])
    assert D(20) < withdrawable < D(26)  # 100 of cash, 75 held as margin for the 2x short
    assert exchange.withdraw_from_bridge(50.0, wallet.address)["status"] == "err"
    assert exchange.withdraw_from_bridge(20.0, wallet.address)["status"] == "ok"
    assert [p[1] for p in venue.payouts] == [D(19)]
    lowered = exchange.update_leverage(1, "SOL")
    assert lowered["status"] == "err"  # 150 of margin at 1x would exceed the account value


def test_reduce_only_is_honoured(venue: Venue, info: Info, user: LocalAccount) -> None:
    exchange = venue.exchange(user)
    flat = exchange.order("SOL", True, 1.0, 160.0, {"limit": {"tif": "Ioc"}}, reduce_only=True)
    assert "Reduce only" in flat["response"]["data"]["statuses"][0]["error"]
    exchange.market_open("SOL", False, 1.0)
    bigger = exchange.order("SOL", True, 3.0, 160.0, {"limit": {"tif": "Ioc"}}, reduce_only=True)
    assert D(bigger["response"]["data"]["statuses"][0]["filled"]["totalSz"]) == 1  # capped at the position
    assert _position(info, user.address) is None


def test_resting_order_listed_and_cancelled(venue: Venue, info: Info, user: LocalAccount) -> None:
    exchange = venue.exchange(user)
    placed = exchange.order("SOL", True, 1.0, 120.0, {"limit": {"tif": "Gtc"}})
    oid = placed["response"]["data"]["statuses"][0]["resting"]["oid"]
    assert [o["oid"] for o in info.open_orders(user.address)] == [oid]
    cancelled = exchange.cancel("SOL", oid)
    assert cancelled == {"status": "ok", "response": {"type": "cancel", "data": {"statuses": ["success"]}}}
    assert info.open_orders(user.address) == []
    again = exchange.cancel("SOL", oid)
    assert "never placed" in again["response"]["data"]["statuses"][0]["error"]


def test_order_status_by_oid_and_cloid_as_the_sdk_asks(venue: Venue, info: Info, user: LocalAccount) -> None:
    """``orderStatus``: filled, resting then canceled, refused at placement, and never seen."""
    exchange = venue.exchange(user)
    filled_id, resting_id, refused_id = (Cloid.from_int(n) for n in (1, 2, 3))
    placed = exchange.order("SOL", False, 1.0, 100.0, {"limit": {"tif": "Ioc"}}, cloid=filled_id)
    oid = placed["response"]["data"]["statuses"][0]["filled"]["oid"]
    found = info.query_order_by_cloid(user.address, filled_id)
    assert (found["status"], found["order"]["status"]) == ("order", "filled")
    assert (found["order"]["order"]["oid"], found["order"]["order"]["cloid"]) == (oid, filled_id.to_raw())
    assert info.query_order_by_oid(user.address, oid) == found
    rest = exchange.order("SOL", True, 1.0, 120.0, {"limit": {"tif": "Gtc"}}, cloid=resting_id)
    assert info.query_order_by_cloid(user.address, resting_id)["order"]["status"] == "open"
    exchange.cancel("SOL", rest["response"]["data"]["statuses"][0]["resting"]["oid"])
    assert info.query_order_by_cloid(user.address, resting_id)["order"]["status"] == "canceled"
    exchange.order("SOL", True, 1.0, 120.0, {"limit": {"tif": "Ioc"}}, cloid=refused_id)  # nothing to match
    assert info.query_order_by_cloid(user.address, refused_id)["order"]["status"] == "iocCancelRejected"
    assert info.query_order_by_cloid(user.address, Cloid.from_int(4)) == {"status": "unknownOid"}
    stranger = eth_account.Account.create().address  # another user never sees this user's orders
    assert info.query_order_by_cloid(stranger, filled_id) == {"status": "unknownOid"}


def test_usd_class_transfer_round_trip(venue: Venue, info: Info, user: LocalAccount) -> None:
    exchange = venue.exchange(user)
    assert exchange.usd_class_transfer(10.0, False)["status"] == "ok"
    assert info.spot_user_state(user.address)["balances"][0]["total"] == "10.0"
    assert D(info.user_state(user.address)["withdrawable"]) == 990
    assert exchange.usd_class_transfer(10.0, True)["status"] == "ok"
    assert exchange.usd_class_transfer(1.0, True)["status"] == "err"  # spot is empty again
    assert D(info.user_state(user.address)["withdrawable"]) == 1000


def test_forged_signature_rejected(venue: Venue, info: Info, user: LocalAccount) -> None:
    forger: LocalAccount = eth_account.Account.create()
    nonce = signing.get_timestamp_ms()
    order = _signed_order(forger, info, is_buy=False, sz=1.0, px=140.0, nonce=nonce)
    answer = venue.post(order)
    assert answer["status"] == "err" and forger.address.lower() in answer["response"]
    withdraw = _signed_withdraw(forger, "500.0", forger.address, nonce + 1)
    assert venue.post(withdraw)["status"] == "err"
    garbage = dict(_signed_order(user, info, is_buy=False, sz=1.0, px=140.0, nonce=nonce + 2))
    garbage["signature"] = {**garbage["signature"], "s": "0x" + "11" * 32}
    assert venue.post(garbage)["status"] == "err"
    assert _position(info, user.address) is None and venue.payouts == []
    assert D(info.user_state(user.address)["withdrawable"]) == 1000


def test_replayed_request_rejected(venue: Venue, info: Info, user: LocalAccount) -> None:
    nonce = signing.get_timestamp_ms()
    order = _signed_order(user, info, is_buy=False, sz=1.0, px=140.0, nonce=nonce)
    assert "filled" in venue.post(order)["response"]["data"]["statuses"][0]
    replay = venue.post(order)
    assert replay["status"] == "err" and "nonce" in replay["response"]
    assert D(_position(info, user.address)["szi"]) == -1  # type: ignore[index]
    stale = _signed_order(user, info, is_buy=False, sz=1.0, px=140.0, nonce=nonce - 3 * DAY_MS)
    assert venue.post(stale)["status"] == "err"
    withdraw = _signed_withdraw(user, "10.0", user.address, nonce + 1)
    assert venue.post(withdraw)["status"] == "ok"
    assert venue.post(withdraw)["status"] == "err"
    assert len(venue.payouts) == 1


def test_tampered_action_rejected(venue: Venue, info: Info, user: LocalAccount) -> None:
    nonce = signing.get_timestamp_ms()
    order = _signed_order(user, info, is_buy=False, sz=1.0, px=140.0, nonce=nonce)
    order["action"]["orders"][0]["s"] = "5"
    assert venue.post(order)["status"] == "err"
    renonced = _signed_order(user, info, is_buy=False, sz=1.0, px=140.0, nonce=nonce + 1)
    renonced["nonce"] += 1
    assert venue.post(renonced)["status"] == "err"
    withdraw = _signed_withdraw(user, "10.0", user.address, nonce + 2)
    withdraw["action"]["amount"] = "900.0"
    assert venue.post(withdraw)["status"] == "err"
    mainnet = _signed_withdraw(user, "10.0", user.address, nonce + 3)
    mainnet["action"]["hyperliquidChain"] = "Mainnet"
    assert venue.post(mainnet)["status"] == "err"
    assert _position(info, user.address) is None and venue.payouts == []


def test_local_controls(venue: Venue, info: Info) -> None:
    wallet: LocalAccount = eth_account.Account.create()
    credit = requests.post(
        f"{venue.url}/_local/credit", json={"user": wallet.address, "usdc": "4.99"}, timeout=5
    )
    assert credit.json() == {"credited": False}  # under the bridge minimum
    credit = requests.post(
        f"{venue.url}/_local/credit", json={"user": wallet.address, "usdc": "250"}, timeout=5
    )
    assert credit.json() == {"credited": True}
    requests.post(f"{venue.url}/_local/mark", json={"coin": "SOL", "px": "155"}, timeout=5).raise_for_status()
    assert info.all_mids()["SOL"] == "155.0"
    requests.post(f"{venue.url}/_local/funding/path", json={"coin": "SOL", "rates": ["-0.0001"]}, timeout=5)
    rows = requests.post(f"{venue.url}/_local/funding", json={"hours": 2}, timeout=5).json()["rows"]
    assert [r["fundingRate"] for r in rows if r["coin"] == "SOL"] == ["-0.0001", "-0.0001"]
    accounts = requests.get(f"{venue.url}/_local/accounts", timeout=5).json()["accounts"]
    assert accounts[wallet.address.lower()]["balance"] == "250.0"
    bad = requests.post(f"{venue.url}/_local/mark", json={"coin": "DOGE", "px": "1"}, timeout=5)
    assert bad.status_code == 400
    assert requests.get(f"{venue.url}/_local/health", timeout=5).json()["service"] == "hyperliquid"


def test_expires_after_is_signed_and_enforced(venue: Venue, info: Info, user: LocalAccount) -> None:
    exchange = venue.exchange(user)
    exchange.set_expires_after(signing.get_timestamp_ms() + 60_000)
    assert exchange.market_open("SOL", False, 1.0)["status"] == "ok"
    exchange.set_expires_after(signing.get_timestamp_ms() - 1_000)
    expired = exchange.market_close("SOL")
    assert expired["status"] == "err" and "expired" in expired["response"]
    assert D(_position(info, user.address)["szi"]) == -1  # type: ignore[index]


def test_failed_payout_keeps_withdrawal_and_retries(venue: Venue, info: Info, user: LocalAccount) -> None:
    calls: list[Decimal] = []

    def flaky(destination: str, amount: Decimal, nonce: int) -> None:
        calls.append(amount)
        if len(calls) == 1:
            raise ConnectionError("chain down")
        record = venue.sim.find_withdrawal(destination, nonce)
        assert record is not None and record.user == user.address.lower()

    venue.sim.on_withdrawal = flaky
    assert venue.exchange(user).withdraw_from_bridge(50.0, user.address)["status"] == "ok"
    [pending] = requests.get(f"{venue.url}/_local/withdrawals", timeout=5).json()["withdrawals"]
    assert pending["status"] == "payout_failed" and pending["payout"] == "49.0"
    assert venue.sim.retry_payouts() == []
    assert calls == [D(49), D(49)]
    assert D(info.user_state(user.address)["withdrawable"]) == 950


def test_bridge_watcher_credits_real_transfers_on_anvil(tmp_path: Path) -> None:
    chain = Anvil(log_dir=tmp_path)
    chain.start(free_port())
    try:
        deployment = deploy(chain.rpc_url)
        account = eth_account.Account.create()
        fund_eth(chain.rpc_url, account.address, 10**17)
        sender = DevAccount("depositor", account.address, account.key.hex())
        mint_usdc(deployment, account.address, 100_000_000)
        w3 = deployment.web3()
        sim = HyperliquidSimulator()
        watcher = BridgeWatcher(
            chain.rpc_url, deployment.usdc_address, deployment.bridge_address, sim.credit_deposit
        )
        for micro_usdc in (40_000_000, 3_000_000):  # the second is under the 5 USDC minimum
            data = deployment.usdc(w3).encode_abi("transfer", args=[deployment.bridge_address, micro_usdc])
            send_transaction(w3, sender, {"to": deployment.usdc_address, "data": data})
        assert [d.amount_usdc for d in watcher.poll_once()] == [D(40), D(3)]
        assert watcher.poll_once() == []
        state = sim.state.accounts[account.address.lower()]
        assert state.balance == D(40)
    finally:
        chain.stop()
