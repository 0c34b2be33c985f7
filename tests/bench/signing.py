"""The signing layer's own cost per request (preflight + breaker + spend cap + ledger + log) as a
ratio to a bare Privy-emulator round trip: the same rpc through the SDK without the layer."""

from __future__ import annotations

import logging
import statistics
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from local.runtime.ports import ephemeral_ports
from local.runtime.stack import LocalStack


def _median_ms(call: Callable[[], Any], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run(n: int = 200) -> dict[str, object]:
    from privy import PrivyAPI
    from privy.lib.wallets import PrivyWalletsService

    from basis.platform.observability import logger
    from basis.platform.secrets import get_secrets
    from basis.policies.settings import PolicySettings
    from basis.signing.breaker import SharedCircuitBreaker
    from basis.signing.signer import PrivyWalletSigner, jsonable
    from local.runtime.httpservice import ServedApp
    from tests.integration.test_signer import POLICY, order_typed_data, usdc_deposit

    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    logger.setLevel(logging.CRITICAL)  # measure the work, not a terminal printing JSON lines
    with LocalStack(ephemeral_ports(), schedules=False) as stack:
        served = None
        if getattr(stack, "privy", None) is None:
            from local.privy import PrivyEmulator

            served = ServedApp(PrivyEmulator(), 0, "privy").start()
        url = served.url if served else stack.url("privy")
        try:
            client = PrivyAPI(
                app_id=stack.privy_app_id,
                app_secret=get_secrets().privy_app_secret,
                base_url=url,
                max_retries=0,
                timeout=10,
            )
            policy_id = client.policies.create(**POLICY).id
            wallet = client.wallets.create(chain_type="ethereum", policy_ids=[policy_id])
            bare = PrivyWalletsService(client)
            breaker = SharedCircuitBreaker(f"bench-{uuid.uuid4().hex[:6]}")
            signer = PrivyWalletSigner(
                f"did:privy:bench-{uuid.uuid4().hex[:6]}",
                wallet.id,
                wallet.address,
                "ethereum",
                policy=POLICY,
                breaker=breaker,
                client=client,
                policy_settings=PolicySettings(max_usdc_daily=Decimal(10**12)),
                authorization_key="",
            )
            typed, deposit = order_typed_data(), usdc_deposit(5_000_000)
            as_sent = jsonable({k: v for k, v in typed.items() if k != "primaryType"})
            typed_params = {"typed_data": {**as_sent, "primary_type": typed["primaryType"]}}
            results: dict[str, object] = {"n": n}
            for label, method, params, layered in (
                (
                    "typed_data",
                    "eth_signTypedData_v4",
                    typed_params,
                    lambda: signer.sign_typed_data_v4(typed),
                ),
                (
                    "usdc_deposit",
                    "eth_signTransaction",
                    {"transaction": deposit},
                    lambda: signer.sign_eth_transaction(deposit),
                ),
            ):
                body = {"method": method, "chain_type": "ethereum", "params": params}

                def bare_call(b: dict[str, Any] = body) -> Any:
                    return bare.rpc(wallet.id, wallet_rpc_request_body=b)  # type: ignore[arg-type]

                round_trip = _median_ms(bare_call, n)
                with_layer = _median_ms(layered, n)
                results[label] = {
                    "bare_p50_ms": round(round_trip, 2),
                    "signer_p50_ms": round(with_layer, 2),
                    "overhead_ms": round(with_layer - round_trip, 2),
                    "overhead_ratio": round((with_layer - round_trip) / round_trip, 2),
                }
            return results
        finally:
            if served is not None:
                served.stop()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
