"""A Bridge2 deposit and a withdraw3 round trip move real USDC on anvil through the Hyperliquid
simulator: deposit credited (>= 5 USDC only), withdrawal paid back minus the 1 USDC fee."""

from __future__ import annotations

from eth_account import Account
from hyperliquid.exchange import Exchange
from hyperliquid.info import Info

from local.chains.evm_funding import fund_eth, mint_usdc, usdc_balance
from local.runtime.stack import LocalStack
from tests.helpers import wait_for

USDC = 10**6


def test_deposit_then_withdraw_moves_real_tokens(stack: LocalStack) -> None:
    evm = stack.evm
    w3 = evm.web3()
    wallet = Account.create()
    fund_eth(evm.rpc_url, wallet.address, 10**17)
    mint_usdc(evm, wallet.address, 100 * USDC)
    usdc = evm.usdc(w3)
    info = Info(stack.url("hyperliquid"), skip_ws=True)

    def hl_balance() -> float:
        return float(info.user_state(wallet.address)["marginSummary"]["accountValue"])

    # A 4 USDC transfer is below the bridge minimum: lost, never credited (as on the real bridge).
    for amount in (4 * USDC, 50 * USDC):
        tx = usdc.functions.transfer(evm.bridge_address, amount).build_transaction(
            {
                "from": wallet.address,
                "nonce": w3.eth.get_transaction_count(wallet.address),
                "chainId": w3.eth.chain_id,
                "gas": 100_000,
                "maxFeePerGas": 2 * 10**9,
                "maxPriorityFeePerGas": 1,
            }
        )
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(wallet.sign_transaction(tx).raw_transaction)
        )
        assert receipt["status"] == 1
    wait_for(lambda: hl_balance() == 50.0)
    assert usdc_balance(evm, wallet.address) == 46 * USDC

    exchange = Exchange(wallet, stack.url("hyperliquid"))
    answer = exchange.withdraw_from_bridge(20.0, wallet.address)
    assert answer["status"] == "ok", answer
    wait_for(lambda: usdc_balance(evm, wallet.address) == 46 * USDC + 19 * USDC)  # 20 minus the 1 USDC fee
    assert hl_balance() == 30.0
