"""``basis-local`` with what the run sees recorded, for the e2e secret-leak test:

    python -m tests.e2e.recorded_demo RECORD_DIR SECRETS_DIR demo --speed 120

* ``RECORD_DIR/responses.jsonl``: every HTTP answer a client in the process got (``requests``: the
  journey, the venue SDKs, web3; ``httpx``: privy-client), or the error instead;
* ``RECORD_DIR/requests.jsonl``: every request the local services (the emulators, the API gateway)
  recorded, as their ``/_local/requests`` logs show them;
* ``RECORD_DIR/aws.jsonl``: every AWS API call (botocore: DynamoDB items, SQS messages, Step
  Functions inputs, events, ...) with its parameters and answer, or the error instead;
* ``SECRETS_DIR/minted.jsonl``: the secrets made during the run: every JWT signed (users' access
  tokens, service tokens) and every user key Privy issued.

Only this test's process is instrumented (wrapped at the HTTP and AWS clients, the JWT encoder,
Privy's user-key sealing and the request logs): nothing in the product changes.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any


class Recorder:
    def __init__(self, record_dir: Path, secrets_dir: Path) -> None:
        self.paths = {
            "responses": record_dir / "responses.jsonl",
            "requests": record_dir / "requests.jsonl",
            "aws": record_dir / "aws.jsonl",
            "minted": secrets_dir / "minted.jsonl",
        }
        self._lock = threading.Lock()

    def write(self, log: str, entry: dict[str, Any]) -> None:
        with self._lock, self.paths[log].open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, default=str) + "\n")

    def install(self) -> None:
        self._wrap_requests()
        self._wrap_httpx()
        self._wrap_botocore()
        self._wrap_jwt()
        self._wrap_user_keys()
        self._wrap_request_logs()

    def _answer(self, url: object, call: Any, body: Any) -> Any:
        try:
            response = call()
        except Exception as exc:
            self.write("responses", {"url": str(url), "error": repr(exc)})
            raise
        self.write("responses", {"url": str(url), "status": response.status_code, "body": body(response)})
        return response

    def _wrap_requests(self) -> None:
        import requests

        send = requests.Session.send

        def recorded(session: Any, request: Any, **kwargs: Any) -> Any:
            return self._answer(request.url, lambda: send(session, request, **kwargs), lambda r: r.text)

        requests.Session.send = recorded  # type: ignore[method-assign]

    def _wrap_httpx(self) -> None:
        import httpx

        send = httpx.Client.send

        def recorded(client: Any, request: Any, **kwargs: Any) -> Any:
            def body(response: Any) -> str:
                response.read()  # kept: a streamed answer is still read from memory afterwards
                return str(response.text)

            return self._answer(request.url, lambda: send(client, request, **kwargs), body)

        httpx.Client.send = recorded  # type: ignore[method-assign]

    def _wrap_botocore(self) -> None:
        from botocore.client import BaseClient

        call = BaseClient._make_api_call

        def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
            entry = {"service": client.meta.service_model.service_name, "operation": operation, "params": params}
            try:
                response = call(client, operation, params)
            except Exception as exc:
                self.write("aws", {**entry, "error": repr(exc)})
                raise
            self.write("aws", {**entry, "response": response})
            return response

        BaseClient._make_api_call = recorded  # type: ignore[method-assign]

    def _wrap_jwt(self) -> None:
        import jwt

        encode = jwt.encode

        def recorded(payload: Any, key: Any, algorithm: str | None = "HS256", **kwargs: Any) -> str:
            token = encode(payload, key, algorithm, **kwargs)
            kind = "service token" if algorithm == "HS256" else "user access token"
            self.write("minted", {"kind": kind, "shape": "jwt", "value": token})
            return token

        jwt.encode = recorded

    def _wrap_user_keys(self) -> None:
        from local.privy import user_keys

        seal = user_keys.seal

        def recorded(recipient_public_key: str, plaintext: bytes) -> dict[str, str]:
            self.write("minted", {"kind": "user authorization key", "shape": "p256", "value": plaintext.decode()})
            return seal(recipient_public_key, plaintext)

        user_keys.seal = recorded

    def _wrap_request_logs(self) -> None:
        from local.runtime.controls import Controls

        record = Controls.record

        def recorded(controls: Controls, request: Any) -> Any:
            entry = record(controls, request)
            self.write("requests", {"service": controls.service, **entry.as_dict()})
            return entry

        Controls.record = recorded  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    record_dir, secrets_dir, *cli = argv
    Recorder(Path(record_dir), Path(secrets_dir)).install()
    from local.cli.main import main as basis_local

    return basis_local(cli)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
