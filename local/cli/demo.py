"""``basis-local demo``: the user journey against the local stack, printed as a timeline.

Uses a running stack (``basis-local up``) when there is one, else starts a fresh one for the run.
Everything goes through the same doors a user or AWS would use: HTTP to the API, the AWS endpoint
for Step Functions and SQS, DynamoDB through the product's models.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local.aws import function_logs
from local.aws.function_logs import FunctionLogs
from local.cli.journey import DemoTarget, Timeline, run_journey
from local.runtime import state


@contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """SIGTERM raises SystemExit inside, so ``finally`` blocks (stopping a fresh stack) run;
    the previous handler is back afterwards. Only the main thread can install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_demo(speed: float, verbose: bool = False) -> int:
    """The journey's lines on stdout; every log line of the product goes to the stack's log folder."""
    say = Timeline(sys.stdout)  # the terminal, before the product's output is routed to log files
    current = state.running()
    if current:
        say.say("using running stack", f"pid {current['pids']['stack']}")
        logs = FunctionLogs(Path(current.get("logs", state.STATE_DIR / "logs")), verbose=verbose).install()
        try:
            return _journey(DemoTarget(current, current["environment"]), say)
        finally:
            logs.uninstall()
    from local.runtime.ports import configured_ports
    from local.runtime.stack import LocalStack

    with exit_on_sigterm():
        stack = LocalStack(configured_ports(), speed=speed, verbose=verbose)
        try:
            stack.start()
            say.say("local stack started", f"in {stack.timings.total:.2f}s, schedules x{speed:g}")
            say.say("", f"logs in {stack.log_dir}")
            return _journey(DemoTarget(stack.describe(), stack.environment()), say)
        finally:
            stack.stop()
            say.say("local stack stopped")


def _journey(target: DemoTarget, say: Timeline) -> int:
    """The demo's own calls into the product log to ``demo.log``, not between the journey's lines."""
    with function_logs.scope(function_logs.Scope("demo")):
        return run_journey(target, say)
