"""The local stack's log folder: ``local.log`` for the stack's own loggers (``local.*``: gateway,
scheduler, SQS poller, emulators), ``functions/<function>.log`` for each function's output (see
``local.aws.function_logs``), ``<scope>.log`` for product code run outside Lambda (the stack's
set-up, the demo's own calls), and the child processes' logs (DynamoDB Local, anvil)."""

from __future__ import annotations

import logging
from pathlib import Path

from local.aws.function_logs import FunctionLogs

STACK_LOGGER = "local"


class StackLogs:
    def __init__(self, log_dir: Path, *, verbose: bool = False) -> None:
        self.log_dir = log_dir
        self.functions = FunctionLogs(log_dir, verbose=verbose)
        self._handler: logging.Handler | None = None

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(self.log_dir / "local.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        stack_logger = logging.getLogger(STACK_LOGGER)
        stack_logger.addHandler(handler)
        if stack_logger.level == logging.NOTSET or stack_logger.level > logging.INFO:
            stack_logger.setLevel(logging.INFO)
        self._handler = handler
        self.functions.install()

    def stop(self) -> None:
        self.functions.uninstall()
        if self._handler is not None:
            logging.getLogger(STACK_LOGGER).removeHandler(self._handler)
            self._handler.close()
            self._handler = None
