"""anvil (npm ``@foundry-rs/anvil``) as the local Arbitrum, bound to 127.0.0.1 and stopped by PID."""

from __future__ import annotations

import platform
from pathlib import Path

import requests

from local.runtime.ports import listening
from local.runtime.processes import ChildProcess

ROOT = Path(__file__).resolve().parents[2]
FOUNDRY_DIR = ROOT / "node_modules" / "@foundry-rs"
# platform.machine() -> the architecture in the names of @foundry-rs/anvil's optional packages.
ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
SYSTEMS = {"Linux": "linux", "Darwin": "darwin"}
ARBITRUM_CHAIN_ID = 42161


def anvil_package(system: str | None = None, machine: str | None = None) -> str:
    """The npm package holding anvil for this platform, e.g. ``anvil-linux-amd64``."""
    system, machine = system or platform.system(), machine or platform.machine()
    os_name, arch = SYSTEMS.get(system), ARCHITECTURES.get(machine.lower())
    if os_name is None or arch is None:
        raise FileNotFoundError(
            f"no anvil package for {system}/{machine}: anvil ships for Linux or macOS on x86_64 or arm64"
        )
    return f"anvil-{os_name}-{arch}"


def anvil_binary(system: str | None = None, machine: str | None = None) -> Path:
    package = anvil_package(system, machine)
    binary = FOUNDRY_DIR / package / "bin" / "anvil"
    if not binary.is_file():
        raise FileNotFoundError(
            f"anvil not found at {binary}: run `npm install` (make does it); npm installs "
            f"@foundry-rs/{package} as the optional dependency of @foundry-rs/anvil for this platform"
        )
    return binary


def _this_platform_binary() -> Path:
    try:
        return FOUNDRY_DIR / anvil_package() / "bin" / "anvil"
    except FileNotFoundError:
        return FOUNDRY_DIR / "unsupported-platform" / "bin" / "anvil"


ANVIL_BIN = _this_platform_binary()  # may not exist; ``anvil_binary()`` explains why


def rpc_chain_id(rpc_url: str, timeout: float = 0.5) -> int | None:
    """eth_chainId, or None when nothing answers yet."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    try:
        response = requests.post(rpc_url, json=body, timeout=timeout)
        return int(response.json()["result"], 16)
    except (requests.RequestException, KeyError, TypeError, ValueError):
        return None


class Anvil:
    """One anvil process. ``start`` returns once it answers JSON-RPC; ``stop`` ends it by PID."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir or ROOT / ".basis-local" / "logs"
        self.port: int | None = None
        self.chain_id: int | None = None
        self._process: ChildProcess | None = None

    @property
    def rpc_url(self) -> str:
        if self.port is None:
            raise RuntimeError("anvil is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(
        self,
        port: int,
        chain_id: int = ARBITRUM_CHAIN_ID,
        block_time: float | None = None,
        mixed_mining: bool = True,
        timeout: float = 15.0,
    ) -> float:
        """Start anvil on 127.0.0.1:port; returns the seconds it took to answer JSON-RPC.

        Transactions are mined at once (automine). ``block_time`` also mines a block every that many
        seconds, so ``block.timestamp`` keeps moving as on a live chain (Bridge2's dispute period and
        permit deadlines are checked against it; ``eth_estimateGas``/``eth_call`` see the latest
        block). With ``mixed_mining=False`` transactions wait for the next interval block instead.
        The stack should pass ``block_time=1`` (sub-second values work too).
        """
        if self._process is not None:
            raise RuntimeError("anvil already started")
        if listening(port):
            raise RuntimeError(f"127.0.0.1:{port} is already in use; anvil needs a free port")
        argv = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id)]
        if block_time is not None:
            argv += ["--block-time", f"{block_time:g}"] + (["--mixed-mining"] if mixed_mining else [])
        self.port, self.chain_id = port, chain_id
        self._process = ChildProcess("anvil", argv, log_path=self.log_dir / f"anvil-{port}.log")
        try:
            return self._process.start(lambda: rpc_chain_id(self.rpc_url) == chain_id, timeout=timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def __enter__(self) -> Anvil:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
