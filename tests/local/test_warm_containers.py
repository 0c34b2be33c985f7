"""Warm containers are reused as Lambda reuses them: one invocation per container at a time, a new
container only when every one is busy, never more than the pool's limit."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from local.aws.containers import ContainerPool, ThrottledError
from local.aws.lambdas import MAX_CONTAINERS
from local.runtime.stack import LocalStack


class Counter:
    """Containers that record how many invocations they serve at once."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.busy: dict[int, int] = {}
        self.most_busy = 0
        self._lock = threading.Lock()

    def start(self, number: int) -> int:
        time.sleep(0.02)  # an import takes a while
        self.started.append(number)
        return number

    def serve(self, pool: ContainerPool[int], hold: float) -> bool:
        with pool.container(wait_seconds=10) as (container, cold):
            with self._lock:
                self.busy[container] = self.busy.get(container, 0) + 1
                self.most_busy = max(self.most_busy, self.busy[container])
            time.sleep(hold)
            with self._lock:
                self.busy[container] -= 1
        return cold


def test_a_burst_grows_the_pool_to_its_limit_and_then_reuses_it() -> None:
    counter = Counter()
    pool = ContainerPool(counter.start, max_containers=4)
    with ThreadPoolExecutor(max_workers=16) as burst:
        colds = list(burst.map(lambda _: counter.serve(pool, 0.05), range(40)))
    for _ in range(10):
        colds.append(counter.serve(pool, 0))
    assert pool.size == 4 and sorted(counter.started) == [1, 2, 3, 4] and colds.count(True) == 4
    assert counter.most_busy == 1  # a container never served two invocations at once


def test_sequential_invocations_stay_in_one_warm_container() -> None:
    counter = Counter()
    pool = ContainerPool(counter.start, max_containers=4)
    assert [counter.serve(pool, 0) for _ in range(10)] == [True] + [False] * 9
    assert pool.size == 1


def test_a_failed_init_is_not_kept_and_a_full_pool_throttles() -> None:
    attempts: list[int] = []

    def start(number: int) -> int:
        attempts.append(number)
        if len(attempts) == 1:
            raise ImportError("init failed")
        return number

    pool = ContainerPool(start, max_containers=1)
    with pytest.raises(ImportError), pool.container(wait_seconds=1):
        pass
    assert pool.size == 0
    with pool.container(wait_seconds=1) as (_, cold):
        assert cold and pool.size == 1
        with pytest.raises(ThrottledError), pool.container(wait_seconds=0.1):
            pass


def test_a_burst_on_the_api_imports_the_handler_at_most_max_containers_times(stack: LocalStack) -> None:
    health = f"{stack.url('api')}/api/v1/health"
    with ThreadPoolExecutor(max_workers=32) as burst:
        statuses = list(burst.map(lambda _: requests.get(health, timeout=60).status_code, range(64)))
    statuses += [requests.get(health, timeout=60).status_code for _ in range(5)]
    assert statuses == [200] * 69
    assert 1 <= stack.lambdas.containers("api") <= MAX_CONTAINERS
