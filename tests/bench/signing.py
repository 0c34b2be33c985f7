"""The signing layer's own cost per request (kill switch + preflight + breaker + spend cap + ledger +
log) against a bare Privy-emulator round trip (the same rpc through the SDK without the layer), with
no latency and with ``LATENCY_MS`` injected at the emulator (a realistic Privy round trip); the
DynamoDB calls each signature makes (a ``before-call.dynamodb`` hook); and the cap reservation's
latency when one user's sends all arrive at once."""

from __future__ import annotations

import logging
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import requests

from local.runtime.ports import ephemeral_ports
from local.runtime.stack import LocalStack
from tests.dynamodb_calls import counting

LATENCY_MS = 100
CONCURRENT_SENDS = (30, 100)  # one user's capped sends arriving together
KINDS = ("typed_data", "capped_send")


def _paired(bare: Callable[[], Any], layered: Callable[[], Any], n: int) -> dict[str, float]:
    """``n`` bare calls and ``n`` signatures, alternated (a load that drifts weighs on both): their
    p50s, and the median and mean DynamoDB calls per signature (the mean counts the control flags'
    read, once a second per container)."""
    bare_ms, layered_ms, calls = [], [], []
    for _ in range(n):
        start = time.perf_counter()
        bare()
        bare_ms.append((time.perf_counter() - start) * 1000)
        with counting() as made:
            start = time.perf_counter()
            layered()
            layered_ms.append((time.perf_counter() - start) * 1000)
        calls.append(sum(made.values()))
    return {
        "bare_p50_ms": round(statistics.median(bare_ms), 2),
        "signer_p50_ms": round(statistics.median(layered_ms), 2),
        "calls_median": statistics.median(calls),
        "calls_mean": round(statistics.fmean(calls), 3),
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1), "max_ms": round(max(samples), 1)}


def contention(sends: int) -> dict[str, float]:
    """``sends`` threads of one user reserve against the USDC cap at once: each reservation's time
    (settled once all are made; a reservation that gives up counts in ``failed``)."""
    from basis.signing import caps

    user = f"did:privy:bench-{uuid.uuid4().hex[:6]}"
    caps.commit(user, "USDC", caps.reserve(user, "USDC", 1, 10**12), 1)  # the user's window exists
    start = threading.Barrier(sends)

    def reserve(_: int) -> tuple[float, list[caps.Hold]]:
        start.wait()
        began = time.perf_counter()
        try:
            held = caps.hold(user, {"USDC": 5_000_000}, {"USDC": 10**12}, lease_seconds=600)
        except caps.ContentionError:
            held = []
        return (time.perf_counter() - began) * 1000, held

    with ThreadPoolExecutor(max_workers=sends) as pool:
        done = list(pool.map(reserve, range(sends)))
    for _, held in done:
        caps.settle(user, held, "sent")
    return _percentiles([took for took, _ in done]) | {"failed": sum(1 for _, held in done if not held)}


def run(n: int = 200) -> tuple[dict[str, object], dict[str, object]]:
    """The overhead at no injected latency (``signing_overhead``, as before) and the ``signing``
    summary: calls per signature, the ratios at 0 and ``LATENCY_MS`` ms, the contention cases."""
    from privy import PrivyAPI
    from privy.lib.wallets import PrivyWalletsService

    from basis.platform.observability import logger
    from basis.platform.secrets import get_secrets
    from basis.policies.settings import PolicySettings
    from basis.signing.breaker import SharedCircuitBreaker
    from basis.signing.signer import PrivyWalletSigner, jsonable
    from local.runtime.httpservice import ServedApp
    from tests.integration.signing.test_signer import POLICY, order_typed_data, usdc_deposit

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
            signer = PrivyWalletSigner(
                f"did:privy:bench-{uuid.uuid4().hex[:6]}",
                wallet.id,
                wallet.address,
                "ethereum",
                policy=POLICY,
                breaker=SharedCircuitBreaker(),
                client=client,
                policy_settings=PolicySettings(max_usdc_daily=Decimal(10**12)),
                authorization_key="",
            )
            typed, deposit = order_typed_data(), usdc_deposit(5_000_000)
            as_sent = jsonable({k: v for k, v in typed.items() if k != "primaryType"})
            typed_params = {"typed_data": {**as_sent, "primary_type": typed["primaryType"]}}
            cases: dict[str, tuple[str, dict[str, Any], Callable[[], Any]]] = {
                "typed_data": (
                    "eth_signTypedData_v4",
                    typed_params,
                    lambda: signer.sign_typed_data_v4(typed),
                ),
                "capped_send": (
                    "eth_signTransaction",
                    {"transaction": deposit},
                    lambda: signer.sign_eth_transaction(deposit),
                ),
            }
            for _, _, layered in cases.values():
                layered()  # the container's first: the control flags are read, the window made
            summary: dict[str, Any] = {"n": n, "latency_ms": LATENCY_MS, "dynamodb_calls": {"mean": {}}}
            overhead: dict[str, object] = {"n": n}
            faults = f"{url}/_local/faults"
            for latency in (0, LATENCY_MS):
                if latency:
                    fault = {"path": f"/v1/wallets/{wallet.id}/rpc", "delay_ms": latency, "count": 10**9}
                    requests.post(faults, json=fault, timeout=5).raise_for_status()
                ratios, p50s = {}, {}
                for label, (method, params, layered) in cases.items():
                    body = {"method": method, "chain_type": "ethereum", "params": params}

                    def bare_call(b: dict[str, Any] = body) -> Any:
                        return bare.rpc(wallet.id, wallet_rpc_request_body=b)  # type: ignore[arg-type]

                    measured = _paired(bare_call, layered, n)
                    round_trip, with_layer = measured["bare_p50_ms"], measured["signer_p50_ms"]
                    ratios[label] = round(with_layer / round_trip, 3)
                    p50s[label] = {"bare_p50_ms": round_trip, "signer_p50_ms": with_layer}
                    if not latency:
                        overhead[label] = {
                            **p50s[label],
                            "overhead_ms": round(with_layer - round_trip, 2),
                            "overhead_ratio": round((with_layer - round_trip) / round_trip, 2),
                        }
                        summary["dynamodb_calls"][label] = measured["calls_median"]
                        summary["dynamodb_calls"]["mean"][label] = measured["calls_mean"]
                summary[f"ratio_at_{latency}ms"] = ratios
                summary[f"p50_at_{latency}ms"] = p50s
            requests.delete(faults, timeout=5).raise_for_status()
            summary["one_user_concurrent_reservations"] = {str(k): contention(k) for k in CONCURRENT_SENDS}
            return overhead, summary
        finally:
            if served is not None:
                served.stop()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
