"""Counts the DynamoDB calls this thread makes: a ``before-call.dynamodb`` hook on every botocore
client (PynamoDB's and boto3's), registered on the clients as they are created and on those already
made. Used by the signing tests (calls per signature) and ``make bench``."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

_counters: list[tuple[int, Counter[str]]] = []
_hooked: set[int] = set()


def _count(model: Any = None, **_: Any) -> None:
    me = threading.get_ident()
    for thread, counter in list(_counters):
        if thread == me:
            counter[getattr(model, "name", "?")] += 1


def _hook(client: BaseClient) -> None:
    if client.meta.service_model.service_name == "dynamodb" and id(client) not in _hooked:
        _hooked.add(id(client))
        client.meta.events.register("before-call.dynamodb", _count)


def _models_clients() -> Iterator[BaseClient]:
    """The clients already made: each model's, and the transactions' (``basis.models.base``)."""
    from basis.models import ALL_MODELS, base

    connections = [getattr(getattr(m, "_connection", None), "connection", None) for m in ALL_MODELS]
    for connection in [*connections, *getattr(base, "_connections", {}).values()]:
        client = getattr(connection, "_client", None)
        if client is not None:
            yield client


_original_init = BaseClient.__init__


def _init(self: BaseClient, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    _hook(self)


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """The DynamoDB operations (name -> calls) this thread makes inside the block."""
    BaseClient.__init__ = _init  # type: ignore[method-assign]
    for client in _models_clients():
        _hook(client)
    entry = (threading.get_ident(), Counter[str]())
    _counters.append(entry)
    try:
        yield entry[1]
    finally:
        _counters.remove(entry)
        if not _counters:
            BaseClient.__init__ = _original_init  # type: ignore[method-assign]
