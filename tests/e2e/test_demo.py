"""`basis-local demo` end to end: a fresh stack on free ports, the whole journey, a clean stop;
stdout tells the journey only, the functions' logs are in the stack's log folder, and the local
dashboard draws their metrics (``test-artifacts/dashboard-demo.png``)."""

from __future__ import annotations

import json
import socket

from infra import metric_graphs
from local.dashboard import browser
from local.runtime.ports import PORTS
from tests.dashboard_page import ARTEFACTS, dashboard, drawn
from tests.e2e.demo_run import DemoRun


def test_demo_runs_the_journey_and_stops_cleanly(demo_run: DemoRun) -> None:
    result, env, state_dir = demo_run.result, demo_run.env, demo_run.state_dir
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    lines = [line.rstrip() for line in out.splitlines() if line.strip()]
    assert all(line.startswith("[") for line in lines), "only the journey's lines on stdout:\n" + out[-3000:]
    journey = "\n".join(lines)
    assert "local stack started" in journey
    assert "GET /api/v1/health" in journey and "HTTP 200 status=ok" in journey
    assert "no token -> protected      HTTP 401" in journey
    assert "wallets_provisioning=True" in journey and "wallets ready (background) ready=True" in journey
    assert "sign HL order (EIP-712)    allowed" in journey
    assert "DENIED (preflight, no Privy call): DENY rule 'Deny native ETH transfers" in journey
    assert "REFUSED by the 24 h cap: 25,150 used + 25,000 > 50,000 USDC" in journey
    assert "credited on Hyperliquid    150.0 USDC; withdrawable 150.0 USDC" in journey
    assert "hedge: HL short            1 SOL filled at" in journey
    assert "hedge: Asgard long         50 USDC x3 = 1 SOL at 150" in journey
    assert "hedge closed" in journey and "long paid back" in journey
    # the strategy through the API: a cap refused naming the field, then paper (the default) enabled;
    # on the hedge's 0.01 %/h funding the scan enters, and close-all pauses and closes
    assert "PUT leverage 9x            HTTP 400 max_leverage must be above 1, at most 5x (got 9)" in journey
    assert "PUT enabled (paper)        HTTP 200 version 1" in journey
    assert "scan opened a hedge        paper SOL" in journey
    assert "POST /positions/close-all  paused=True (user_close_all), closing" in journey
    assert "  closed (user_close_all), realized" in journey
    assert "transfer out 25 USDC" in journey and "signed by the user's own key: tx 0x" in journey
    assert "same answer, sent once: True" in journey and "a service token          HTTP 403" in journey
    assert "POST /funding/deposits     HTTP 200 600 USDC" in journey and "stage hl_credited" in journey
    assert "POST /funding/withdrawals  HTTP 200 100 USDC" in journey and "stage completed" in journey
    registration = next(line for line in lines if "POST /funding/withdrawal-addresses HTTP 200" in line)
    address = registration.split("HTTP 200 ")[1].split()[0]
    assert registration.endswith(f"{address} active"), registration
    assert f"HTTP 200 50 USDC to {address[:10]}..." in journey
    delivery = journey[journey.index(f"50 USDC to {address[:10]}") :].split("delivered ")[0]
    assert "stage completed" in delivery and delivery.count("0x") >= 3  # withdraw3, payout, delivery
    assert f"delivered                  {address} holds 49 USDC on Arbitrum" in journey
    assert "deposit of 3 USDC          HTTP 400 deposit of 3 USDC is below the bridge minimum" in journey
    assert lines[-1].endswith("local stack stopped")
    for variable, _ in PORTS.values():  # nothing is left listening: every service was stopped
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(env[variable]))) != 0, f"{variable} still in use"

    functions = state_dir / "logs" / "functions"
    for name in ("api", "authorizer", "provision_wallets", "scan_dispatcher", "scan_worker", "deposit_saga"):
        logged = [
            json.loads(line)
            for line in (functions / f"{name}.log").read_text().splitlines()
            if line[:1] == "{"
        ]
        records = [r for r in logged if "level" in r]  # not the EMF metrics
        assert records, f"nothing logged by {name}"
        assert {r["function_name"] for r in records} == {f"basis-local-{name}"}, name
    demo = [
        json.loads(line)
        for line in (state_dir / "logs" / "demo.log").read_text().splitlines()
        if line[:1] == "{"
    ]
    assert demo and not any("function_name" in r for r in demo)  # the demo's own calls are no function's

    # The local dashboard over the run's logs graphs what the journey did (its picture is kept).
    with dashboard(state_dir / "logs") as served:
        _, points = drawn(f"{served.url}/")
        browser.screenshot(f"{served.url}/", ARTEFACTS / "dashboard-demo.png")
    for graph in (metric_graphs.SIGNING, metric_graphs.BREAKER, metric_graphs.SCANS, metric_graphs.PAUSES):
        assert points[graph.title] > 0, points  # signatures, the denial, the scan's entry, close-all's pause
