"""`basis-local up --detach` / `status` / `down`: the stack runs in the background and stops
cleanly, leaving no process behind."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from local.runtime import state
from local.runtime.ports import PORTS, free_port
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "BASIS_LOCAL_STATE_DIR": str(tmp_path)}
    for variable, _ in PORTS.values():
        env[variable] = str(free_port())
    return env


def basis_local(env: dict[str, str], *args: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_up_detach_status_down_leaves_nothing_running(cli_env: dict[str, str], tmp_path: Path) -> None:
    up = basis_local(cli_env, "up", "--detach")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert "local stack up in" in up.stdout
        recorded = json.loads((tmp_path / "state.json").read_text())
        pids = [pid for pid in recorded["pids"].values() if pid]
        assert len(pids) == 3 and all(state.alive(pid) for pid in pids)
        assert recorded["urls"]["api"] == f"http://127.0.0.1:{cli_env['BASIS_LOCAL_API_PORT']}"

        status = basis_local(cli_env, "status")
        assert status.returncode == 0
        assert "api" in status.stdout and "up" in status.stdout

        again = basis_local(cli_env, "up", "--detach")
        assert again.returncode == 1 and "already running" in again.stdout

        token_and_fund(cli_env, recorded["urls"]["api"])
    finally:
        down = basis_local(cli_env, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not (tmp_path / "state.json").exists()
    assert not any(state.alive(pid) for pid in pids), "a process of the stack survived `down`"
    assert basis_local(cli_env, "status").returncode == 3


def token_and_fund(cli_env: dict[str, str], api: str) -> None:
    user = "did:privy:cli-user"
    token = basis_local(cli_env, "token", "--user", user)
    assert token.returncode == 0, token.stderr
    headers = {"Authorization": f"Bearer {token.stdout.strip()}"}
    assert requests.post(f"{api}/api/v1/auth/sync", headers=headers, timeout=30).status_code == 200
    wait_for(
        lambda: requests.get(f"{api}/api/v1/wallets/server", headers=headers, timeout=30).json()["ready"]
    )
    funded = basis_local(cli_env, "fund", "--user", user, "--usdc", "1000", "--eth", "0.01", "--sol", "1")
    assert funded.returncode == 0, funded.stderr
    assert [line.split(" -> ")[0] for line in funded.stdout.splitlines()] == [
        "funded 0.01 ETH",
        "funded 1000 USDC",
        "funded 1 SOL",
    ]
    stranger = basis_local(cli_env, "fund", "--user", "did:privy:nobody", "--usdc", "1")
    assert stranger.returncode == 2 and "sign in first" in stranger.stderr
    assert basis_local(cli_env, "fund", "--user", user, "--usdc", "-5").returncode == 2
    assert basis_local(cli_env, "token", "--user", "alice").returncode == 2


def test_a_bad_port_override_is_refused_with_its_name(cli_env: dict[str, str]) -> None:
    cli_env["BASIS_LOCAL_API_PORT"] = "http"
    result = basis_local(cli_env, "up")
    assert result.returncode != 0
    assert "BASIS_LOCAL_API_PORT must be a port number" in result.stderr
