"""Default ports of the local stack on 127.0.0.1, each overridable by an environment variable."""

from __future__ import annotations

import os
import socket

# service -> (environment variable, default port)
PORTS: dict[str, tuple[str, int]] = {
    "api": ("BASIS_LOCAL_API_PORT", 3000),
    "api-control": ("BASIS_LOCAL_API_CONTROL_PORT", 3001),  # the gateway's test controls, not the API
    "aws": ("BASIS_LOCAL_AWS_PORT", 5000),
    "dynamodb": ("BASIS_LOCAL_DYNAMODB_PORT", 8000),
    "privy": ("BASIS_LOCAL_PRIVY_PORT", 9100),
    "hyperliquid": ("BASIS_LOCAL_HYPERLIQUID_PORT", 9200),
    "asgard": ("BASIS_LOCAL_ASGARD_PORT", 9300),
    "anvil": ("BASIS_LOCAL_ANVIL_PORT", 8545),
    "solana": ("BASIS_LOCAL_SOLANA_PORT", 8899),
}


def configured_ports() -> dict[str, int]:
    """The ports to use: defaults, overridden by the environment."""
    ports = {}
    for name, (variable, default) in PORTS.items():
        raw = os.environ.get(variable, str(default))
        if not raw.isdigit() or not 0 <= int(raw) < 65536:
            raise ValueError(f"{variable} must be a port number, got {raw!r}")
        ports[name] = int(raw)
    return ports


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """A port that is free on 127.0.0.1 right now (for tests and parallel stacks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ephemeral_ports() -> dict[str, int]:
    return {name: free_port() for name in PORTS}
