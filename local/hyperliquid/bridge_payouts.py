"""Pays Hyperliquid withdrawals out on the local chain, as Hyperliquid's validators do with Bridge2:
the operator requests the withdrawal, waits out the dispute period, then finalizes it."""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal

from web3 import Web3

from local.chains.dev_accounts import BRIDGE_OPERATOR
from local.chains.evm_deploy import EvmDeployment, send_transaction
from local.hyperliquid.simulator import HyperliquidSimulator

log = logging.getLogger(__name__)
USDC_UNIT = Decimal(10**6)


class BridgePayouts:
    def __init__(self, deployment: EvmDeployment, simulator: HyperliquidSimulator) -> None:
        self.deployment = deployment
        self.simulator = simulator
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()  # one operator account: send its transactions one at a time

    def __call__(self, destination: str, amount_usdc: Decimal, nonce: int) -> None:
        withdrawal = self.simulator.find_withdrawal(destination, nonce)
        if withdrawal is None:
            raise LookupError(f"no withdrawal to {destination} with nonce {nonce}")
        w3 = self.deployment.web3()
        bridge = self.deployment.bridge(w3)
        usd = int(amount_usdc * USDC_UNIT)
        user, to = Web3.to_checksum_address(withdrawal.user), Web3.to_checksum_address(destination)
        with self._lock:
            send_transaction(
                w3,
                BRIDGE_OPERATOR,
                bridge.functions.requestWithdrawal(user, to, usd, nonce).build_transaction(
                    {"from": BRIDGE_OPERATOR.address}
                ),
            )
        ident = bridge.functions.withdrawalId(user, to, usd, nonce).call()
        timer = threading.Timer(self.deployment.dispute_period_seconds + 1.0, self._finalize, args=(ident,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _finalize(self, ident: bytes, attempts: int = 10) -> None:
        w3 = self.deployment.web3()
        bridge = self.deployment.bridge(w3)
        for _ in range(attempts):
            try:
                with self._lock:
                    send_transaction(
                        w3,
                        BRIDGE_OPERATOR,
                        bridge.functions.finalizeWithdrawals([ident]).build_transaction(
                            {"from": BRIDGE_OPERATOR.address}
                        ),
                    )
                return
            except Exception as exc:  # the chain's clock may lag the dispute period by a block
                log.info("finalize not yet possible: %s", exc)
                time.sleep(1.0)
        log.error("withdrawal %s could not be finalized", ident.hex())

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
