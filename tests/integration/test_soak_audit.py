"""The soak's audit can fail: on the session's stack (no faults), a user whose venues hold exactly
what the records say reconciles to 0.00 with nothing found; USDC that appears from outside the
product is a difference to the cent, and a ``withdraw3`` no withdrawal of the product prepared is
a duplicate (and counts against the 24 h cap as the signer counts it)."""

from __future__ import annotations

from decimal import Decimal

from local.chains.evm_deploy import deploy
from local.chains.evm_funding import mint_usdc
from local.cli.funding import Funding, fund_user
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.helpers import sign_in
from tests.soak.audit import Funded, audit_user
from tests.soak.journey import UserRun


def test_the_audit_finds_a_difference_and_a_withdrawal_sent_outside_the_records(
    api_client: ApiClient,
) -> None:
    stack: LocalStack = api_client.stack
    user_id = sign_in(stack, "audit")
    fund_user(
        {"anvil": stack.url("anvil"), "solana": stack.url("solana")}, user_id, Funding(usdc=Decimal(100))
    )
    wallets = api_client.get("/wallets/server", user=user_id).json()
    evm, sol = wallets["evm_address"], wallets["solana_address"]
    user = UserRun(user_id, evm, sol)
    funded = Funded(arbitrum_usdc=Decimal(100), solana_usdc=Decimal(0))

    clean = audit_user(stack, user, funded, usdc_cap=Decimal(50))
    assert (clean.diff, clean.duplicates, clean.overshoot, clean.not_final) == (Decimal(0), [], [], [])

    mint_usdc(deploy(stack.url("anvil")), evm, 1_230_000)  # 1.23 USDC no record accounts for
    stack.hyperliquid.credit_deposit(evm, Decimal(60), f"0x{'ab' * 32}:0")  # and 60 on Hyperliquid
    stack.hyperliquid.state.withdraw(evm, evm, "55", 1)  # a withdraw3 the product never prepared
    found = audit_user(stack, user, funded, usdc_cap=Decimal(50))

    assert found.diff == Decimal("61.23") - Decimal(55)  # the 55 left Hyperliquid, its payout is not on anvil
    assert found.duplicates == ["withdraw3 with nonce 1 was prepared by no withdrawal"]
    assert len(found.overshoot) == 1 and "over the 24 h cap of 50" in found.overshoot[0]
