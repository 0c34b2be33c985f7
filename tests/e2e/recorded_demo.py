"""``basis-local`` with what the run sees recorded, for the e2e secret-leak test:

    python -m tests.e2e.recorded_demo RECORD_DIR SECRETS_DIR demo --speed 120

* ``RECORD_DIR/responses.jsonl``: every HTTP answer a client in the process got (``requests``: the
  journey, the venue SDKs, web3; ``httpx``: privy-client), or the error instead;
* ``RECORD_DIR/requests.jsonl``: every request the local services (the emulators, the API gateway)
  recorded, as their ``/_local/requests`` logs show them;
* ``RECORD_DIR/aws.jsonl``: every AWS API call (botocore: DynamoDB items, SQS messages, Step
  Functions inputs, events, ...) with its parameters and answer, or the error instead;
* ``SECRETS_DIR/minted.jsonl``: the secrets made during the run: every JWT signed (users' access
  tokens, service tokens), every user key Privy issued and every key privy-client made to receive
  one (the HPKE recipient's, which opens it).

Only this test's process is instrumented (wrapped at the HTTP and AWS clients, the JWT encoder,
Privy's user-key sealing and the request logs): nothing in the product changes.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization


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
        import httpx
        import jwt
        import requests
        from botocore.client import BaseClient
        from privy.lib._hpke import HPKERecipient

        from local.privy import user_keys
        from local.runtime.controls import Controls

        _wrap(requests.Session, "send", lambda send: self._answers(send, lambda r: r.text))
        _wrap(httpx.Client, "send", lambda send: self._answers(send, _read_text))
        _wrap(BaseClient, "_make_api_call", self._aws_calls)
        _wrap(jwt, "encode", self._tokens)
        _wrap(user_keys, "seal", self._user_keys)
        _wrap(HPKERecipient, "__init__", self._recipient_keys)
        _wrap(Controls, "record", self._request_logs)

    def _answers(self, send: Any, body: Callable[[Any], str]) -> Any:
        def recorded(client: Any, request: Any, **kwargs: Any) -> Any:
            try:
                response = send(client, request, **kwargs)
            except Exception as exc:
                self.write("responses", {"url": str(request.url), "error": repr(exc)})
                raise
            answer = {"url": str(request.url), "status": response.status_code, "body": body(response)}
            self.write("responses", answer)
            return response

        return recorded

    def _aws_calls(self, call: Any) -> Any:
        def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
            entry = {"service": client.meta.service_model.service_name, "operation": operation}
            try:
                response = call(client, operation, params)
            except Exception as exc:
                self.write("aws", {**entry, "params": params, "error": repr(exc)})
                raise
            self.write("aws", {**entry, "params": params, "response": response})
            return response

        return recorded

    def _tokens(self, encode: Any) -> Any:
        def recorded(payload: Any, key: Any, algorithm: str | None = "HS256", **kwargs: Any) -> str:
            token = str(encode(payload, key, algorithm, **kwargs))
            kind = "service token" if algorithm == "HS256" else "user access token"
            self.write("minted", {"kind": kind, "shape": "jwt", "value": token})
            return token

        return recorded

    def _user_keys(self, seal: Any) -> Any:
        def recorded(recipient_public_key: str, plaintext: bytes) -> Any:
            minted = {"kind": "user authorization key", "shape": "p256", "value": plaintext.decode()}
            self.write("minted", minted)
            return seal(recipient_public_key, plaintext)

        return recorded

    def _recipient_keys(self, init: Any) -> Any:
        def recorded(recipient: Any) -> None:
            init(recipient)
            der = recipient._private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            key = base64.b64encode(der).decode()
            self.write("minted", {"kind": "user-key recipient key", "shape": "p256", "value": key})

        return recorded

    def _request_logs(self, record: Any) -> Any:
        def recorded(controls: Any, request: Any) -> Any:
            entry = record(controls, request)
            self.write("requests", {"service": controls.service, **entry.as_dict()})
            return entry

        return recorded


def _wrap(owner: Any, name: str, wrapper: Callable[[Any], Any]) -> None:
    setattr(owner, name, wrapper(getattr(owner, name)))


def _read_text(response: Any) -> str:
    response.read()  # kept: a streamed answer is still read from memory afterwards
    return str(response.text)


def main(argv: list[str]) -> int:
    record_dir, secrets_dir, *cli = argv
    Recorder(Path(record_dir), Path(secrets_dir)).install()
    from local.cli.main import main as basis_local

    return basis_local(cli)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
