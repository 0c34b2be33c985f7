"""The guard of tests/unit/conftest.py holds: any connection attempt fails the test."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from tests.unit.conftest import NetworkInUnitTestError


def test_a_socket_connection_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(NetworkInUnitTestError):
        sock.connect(("127.0.0.1", 9))


def test_an_http_request_is_refused() -> None:
    with pytest.raises(NetworkInUnitTestError):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)


def test_a_name_lookup_is_refused() -> None:
    with pytest.raises(NetworkInUnitTestError):
        socket.getaddrinfo("example.com", 443)
