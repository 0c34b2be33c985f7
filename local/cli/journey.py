"""The demo's user journey, step by step: health, sign-in and server wallets, funding and a hedge
on the venues, signing policies and caps, a paper strategy the scan opens a hedge for and the
close-all that closes it, the deposit and withdrawal sagas and a withdrawal delivered to a
registered address."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any, TextIO

import requests

from local.cli.strategy_journey import show_strategy


class Timeline:
    """The journey's lines, timed from its start, written to ``out``."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.start = time.perf_counter()

    def say(self, step: str, detail: str = "") -> None:
        line = f"[{time.perf_counter() - self.start:7.2f}s] {step:<26} {detail}".rstrip()
        print(line, file=self.out, flush=True)


class DemoTarget:
    """Where the demo sends its requests: URLs and the environment of the stack."""

    def __init__(self, info: dict[str, Any], environment: dict[str, str]) -> None:
        self.urls: dict[str, str] = info["urls"]
        self.token: str | None = None
        os.environ.update(environment)
        from basis.platform.config import get_settings
        from basis.platform.runtime import bootstrap

        get_settings.cache_clear()
        bootstrap()

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kwargs.pop("headers", {}))
        return requests.request(
            method, f"{self.urls['api']}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )


def show_health(target: DemoTarget, say: Timeline) -> None:
    answer = target.api("GET", "/health")
    report = answer.json()
    say.say("GET /api/v1/health", f"HTTP {answer.status_code} status={report['status']}")
    say.say("", "  " + ", ".join(f"{name} {state}" for name, state in report["dependencies"].items()))
    document = target.api("GET", "/openapi.json").json()
    say.say("GET /api/v1/openapi.json", f"OpenAPI {document['openapi']}, {len(document['paths'])} paths")
    refused = target.api("GET", "/wallets/server")
    say.say("no token -> protected", f"HTTP {refused.status_code} {refused.json()['error']['code']}")


def sign_in(target: DemoTarget, say: Timeline, user_id: str) -> dict[str, Any]:
    token = requests.post(
        f"{target.urls['privy']}/_local/tokens", json={"user_id": user_id}, timeout=10
    ).json()
    target.token = token["token"]
    synced = target.api("POST", "/auth/sync", json={"email": "demo@example.com"})
    body = synced.json()
    say.say(
        "POST /api/v1/auth/sync",
        f"HTTP {synced.status_code} created={body['created']} "
        f"wallets_provisioning={body['wallets_provisioning']}",
    )
    deadline = time.monotonic() + 60
    while True:
        wallets = target.api("GET", "/wallets/server").json()
        if wallets["ready"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    say.say("wallets ready (background)", f"ready={wallets['ready']}")
    at_privy = {
        w["id"]: w
        for w in requests.get(f"{target.urls['privy']}/_local/wallets", timeout=10).json()["wallets"]
    }
    for chain, key in (("ethereum", "evm"), ("solana", "solana")):
        wallet = at_privy[wallets[f"{key}_wallet_id"]]
        [platform] = wallet["additional_signers"]
        say.say(
            f"  {chain} server wallet",
            f"{wallets[f'{key}_address']}  owner={wallet['owner_user']} "
            f"platform signer policy={platform['override_policy_ids'][0]}",
        )
    return dict(wallets)


def show_signing(target: DemoTarget, say: Timeline, user_id: str, wallets: dict[str, Any]) -> None:
    from basis.policies.amounts import usdc_base_units
    from basis.privy.client import privy_client
    from basis.privy.ids import load_privy_ids
    from basis.signing.errors import PolicyDeniedError, SpendCapExceededError
    from basis.signing.signer import PrivyWalletSigner
    from tools.policy_matrix import SIGNABLE
    from tools.policy_requests import deposit, evm_tx, hl_order_typed_data

    policy = privy_client().policies.get(load_privy_ids().evm_policy_id).model_dump()
    signer = PrivyWalletSigner(
        user_id, wallets["evm_wallet_id"], wallets["evm_address"], "ethereum", policy=policy
    )
    order = hl_order_typed_data()["typed_data"]
    signature = signer.sign_typed_data_v4(order, action="hyperliquid:order")
    say.say("sign HL order (EIP-712)", f"allowed, signature {signature[:18]}...")
    tx = SIGNABLE  # sign-only fields: nothing is broadcast
    try:
        signer.sign_eth_transaction(
            {**evm_tx(wallets["evm_address"], value=10**15)["transaction"], **tx}, action="send ETH"
        )
    except PolicyDeniedError as denied:
        where = "preflight, no Privy call" if denied.preflight else "denied by Privy"
        say.say("sign ETH transfer", f"DENIED ({where}): {denied.explanation}")
    for amount in (25_000, 25_000):
        try:
            signer.sign_eth_transaction(
                {**deposit(usdc_base_units(amount))["transaction"], **tx}, action="bridge deposit"
            )
            say.say(f"sign {amount:,} USDC deposit", "allowed (counted in the 24 h USDC cap)")
        except SpendCapExceededError as refused:
            unit = 10**6
            say.say(
                f"sign {amount:,} USDC deposit",
                f"REFUSED by the 24 h cap: {refused.used // unit:,} used + "
                f"{refused.amount // unit:,} > {refused.cap // unit:,} USDC",
            )


def show_venues(target: DemoTarget, say: Timeline, user_id: str) -> None:
    """Fund the wallets, bridge USDC to Hyperliquid, open a 1 SOL hedge, let time pass, close it."""
    from decimal import Decimal

    from basis.venues.context import UserTradingContext
    from local.cli.funding import Funding, fund_user

    for line in fund_user(
        target.urls,
        user_id,
        Funding(usdc=Decimal(200), eth=Decimal("0.01"), sol=Decimal(1), solana_usdc=Decimal(100)),
    ):
        say.say("basis-local fund", line)
    ctx = UserTradingContext.from_user_id(user_id)
    arbitrum, trader, asgard = ctx.get_arbitrum_client(), ctx.get_hl_trader(), ctx.get_asgard_manager()
    since = int(time.time() * 1000)
    deposit = arbitrum.deposit_to_bridge(150)
    receipt = arbitrum.wait_receipt(deposit.tx_hash)
    say.say(
        "bridge deposit 150 USDC",
        f"USDC.transfer to Bridge2 signed by Privy, tx {deposit.tx_hash[:14]}... "
        f"block {receipt.block_number}",
    )
    credited = trader.wait_for_deposit(Decimal(150), since_ms=since, timeout=60, poll=0.3)
    say.say(
        "credited on Hyperliquid",
        f"{credited.usdc if credited else 'NOT'} USDC; withdrawable {trader.get_withdrawable_balance()} USDC",
    )

    hl, venue = target.urls["hyperliquid"], target.urls["asgard"]
    requests.post(f"{hl}/_local/mark", json={"coin": "SOL", "px": "150"}, timeout=10)
    requests.post(f"{hl}/_local/funding/path", json={"coin": "SOL", "rates": ["0.0001"]}, timeout=10)
    requests.post(f"{venue}/_local/price", json={"price": 150}, timeout=10)
    short = trader.open_short("SOL", size=Decimal(1), leverage=3)
    say.say("hedge: HL short", f"1 SOL filled at {short.avg_px} (3x)")
    long = asgard.open_long(Decimal(50), Decimal(3))
    say.say(
        "hedge: Asgard long",
        f"50 USDC x3 = {Decimal(long.size_lamports or 0) / 10**9} SOL at "
        f"{long.entry_price}, health {asgard.health(long.pda).health_factor}%",
    )
    requests.post(f"{hl}/_local/funding", json={"hours": 8}, timeout=10)
    interest = requests.post(f"{venue}/_local/accrue", json={"hours": 8}, timeout=10).json()[
        "interestAddedNative"
    ]
    requests.post(f"{hl}/_local/mark", json={"coin": "SOL", "px": "160"}, timeout=10)
    requests.post(f"{venue}/_local/price", json={"price": 160}, timeout=10)
    say.say(
        "8 h later, SOL 150 -> 160",
        f"short funding {trader.position('SOL').funding_since_open} "  # type: ignore[union-attr]
        f"(negative = received), long interest {Decimal(interest) / 10**6} USDC",
    )
    closed_short = trader.close_short("SOL")
    closed_long = asgard.close(long.pda)
    hl_pnl = trader.realized("SOL").closed_pnl
    say.say(
        "hedge closed",
        f"short bought back at {closed_short.avg_px if closed_short else '?'} "
        f"(PnL {hl_pnl}); long paid back {Decimal(closed_long.proceeds) / 10**6} USDC on Solana",
    )
    say.say(
        "after the hedge",
        f"Hyperliquid withdrawable {trader.get_withdrawable_balance()} USDC; Solana "
        f"{ctx.get_solana_client().usdc_balance(str(ctx.solana_address)) / 10**6} USDC",
    )


def show_transfer_out(target: DemoTarget, say: Timeline, user_id: str) -> None:
    """The user takes USDC out of their own server wallet, signed by their own key (self-custody)."""
    from eth_account import Account

    to = Account.create().address
    body = {"chain": "ethereum", "asset": "USDC", "amount": "25", "to": to}
    headers = {"Idempotency-Key": f"demo-out-{uuid.uuid4().hex[:8]}"}
    answer = target.api("POST", "/wallets/transfers", json=body, headers=headers)
    sent = answer.json()
    detail = f"tx {sent['tx_hash'][:14]}..." if answer.ok else f"HTTP {answer.status_code} {sent}"
    say.say("transfer out 25 USDC", f"to external {to[:10]}..., signed by the user's own key: {detail}")
    again = target.api("POST", "/wallets/transfers", json=body, headers=headers).json()
    say.say(
        "  same Idempotency-Key", f"same answer, sent once: {again.get('tx_hash') == sent.get('tx_hash')}"
    )
    platform = target.api(
        "POST",
        "/wallets/transfers",
        json=body,
        headers={"Authorization": f"Bearer {_service_token(user_id)}"},
    )
    say.say("  a service token", f"HTTP {platform.status_code} {platform.json()['error']['code']}")


def _service_token(user_id: str) -> str:
    from basis.identity.service_secrets import service_secrets
    from basis.identity.tokens import issue_service_token

    return issue_service_token(service_secrets().signing(), user_id)


def show_funding(target: DemoTarget, say: Timeline, user_id: str) -> None:
    """Through the API: the user funds the server wallet with 1,000 USDC, deposits 600 into
    Hyperliquid (each stage as it happens), withdraws 100 back to the server wallet, registers an
    address of their own (with their own key) and withdraws 50 straight to it; a deposit under the
    bridge minimum is refused before any saga starts."""
    from decimal import Decimal

    from eth_account import Account

    from basis.chains.amounts import wire
    from basis.venues.context import UserTradingContext
    from local.cli.funding import Funding, fund_user

    for line in fund_user(target.urls, user_id, Funding(usdc=Decimal(1000))):
        say.say("basis-local fund", line)
    follow_operation(target, say, "deposits", {"amount_usdc": "600"}, "hl_credited")
    follow_operation(target, say, "withdrawals", {"amount_usdc": "100"}, "completed")
    address = str(Account.create().address)
    body = {"address": address, "label": "demo"}
    answer = target.api("POST", "/funding/withdrawal-addresses", json=body)
    state = answer.json().get("state") if answer.ok else answer.json()
    say.say("POST /funding/withdrawal-addresses", f"HTTP {answer.status_code} {address} {state}")
    say.say("", "  added to the platform signer's policy at Privy by the user's own key")
    follow_operation(target, say, "withdrawals", {"amount_usdc": "50", "destination": address}, "completed")
    arbitrum = UserTradingContext.from_user_id(user_id, preflight_policy=False).get_arbitrum_client()
    say.say("delivered", f"{address} holds {wire(arbitrum.usdc_balance(address))} USDC on Arbitrum")
    refused = target.api("POST", "/funding/deposits", json={"amount_usdc": "3"})
    say.say("deposit of 3 USDC", f"HTTP {refused.status_code} {refused.json()['error']['message']}")


def follow_operation(
    target: DemoTarget, say: Timeline, kind: str, body: dict[str, str], final: str
) -> dict[str, Any]:
    """Start a deposit or withdrawal and print each stage it reaches, then its tx hashes."""
    headers = {"Idempotency-Key": f"demo-{kind}-{uuid.uuid4().hex[:8]}"}
    started = target.api("POST", f"/funding/{kind}", json=body, headers=headers)
    operation: dict[str, Any] = started.json()
    to = f" to {body['destination'][:10]}..." if "destination" in body else ""
    say.say(
        f"POST /funding/{kind}",
        f"HTTP {started.status_code} {body['amount_usdc']} USDC{to}, id {operation.get('id')}",
    )
    seen = operation.get("stage")
    say.say("", f"  stage {seen}")
    deadline = time.monotonic() + 120
    while (
        started.ok
        and seen not in (final, "failed", "rejected", "undelivered")
        and time.monotonic() < deadline
    ):
        time.sleep(0.3)
        operation = target.api("GET", f"/funding/operations/{operation['id']}").json()
        if operation["stage"] != seen:
            seen = operation["stage"]
            say.say("", f"  stage {seen}")
    say.say("", f"  tx hashes {', '.join(h[:14] + '...' for h in operation.get('tx_hashes', []))}")
    return operation


def run_journey(target: DemoTarget, say: Timeline) -> int:
    user_id = f"did:privy:demo-{uuid.uuid4().hex[:8]}"
    show_health(target, say)
    wallets = sign_in(target, say, user_id)
    show_venues(target, say, user_id)
    show_transfer_out(target, say, user_id)
    show_signing(target, say, user_id, wallets)
    show_strategy(target, say)
    show_funding(target, say, user_id)
    say.say("demo finished")
    return 0
