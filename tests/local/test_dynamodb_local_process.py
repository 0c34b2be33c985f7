"""DynamoDB Local refuses a taken port and is ready only once our child says it listens."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.aws.dynamodb import PORT_VARIABLE, DynamoDBLocal


@pytest.fixture
def foreign_listener() -> Iterator[int]:
    """Something that is not DynamoDB Local, listening on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_port_in_use_is_refused_before_java_starts(foreign_listener: int, tmp_path: Path) -> None:
    dynamodb = DynamoDBLocal(foreign_listener, tmp_path)
    with pytest.raises(RuntimeError, match=rf"127\.0\.0\.1:{foreign_listener} is already in use") as raised:
        dynamodb.launch()
    assert PORT_VARIABLE in str(raised.value)
    assert dynamodb.process is None and not dynamodb.log_path.exists()


def test_ready_only_after_the_launcher_announces_it(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    dynamodb = DynamoDBLocal(port, tmp_path)
    assert not dynamodb.ready()  # no log yet
    try:
        dynamodb.launch()
        assert dynamodb.wait_listening(timeout=60) > 0
        assert dynamodb.ready() and dynamodb.process is not None and dynamodb.process.poll() is None
    finally:
        dynamodb.stop()
    # A stale log does not make a dead child ready.
    with pytest.raises(RuntimeError, match="exited"):
        dynamodb.wait_listening(timeout=5)
