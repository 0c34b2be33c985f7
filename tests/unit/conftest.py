"""Unit tests make no network I/O, loopback included: a test that needs a server belongs in
tests/integration (the local stack) or tests/local. Enforced for every test under tests/unit."""

from __future__ import annotations

import socket
from typing import NoReturn

import pytest


class NetworkInUnitTestError(RuntimeError):
    pass


def _refuse(*args: object, **kwargs: object) -> NoReturn:
    raise NetworkInUnitTestError("unit tests make no network I/O: move this test to tests/integration")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket.socket, "sendto", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
