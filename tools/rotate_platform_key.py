"""Rotate the platform's Privy authorization key with no signing outage (G17).

    python -m tools.rotate_platform_key status [--stage STAGE]
    python -m tools.rotate_platform_key begin  [--stage STAGE]
    python -m tools.rotate_platform_key finish [--stage STAGE] [--force]

``begin``: a new P-256 key; its public half joins the platform's key quorum (``PATCH
/v1/key_quorums/{id}``, signed with the current key, threshold 1), THEN the secret's
``privy_authorization_key`` becomes the new key, the old one kept as
``privy_authorization_key_previous`` with the time (``privy_authorization_key_rotated_at``).
Functions read the secret anew once their copy is ``PARAMETERS_MAX_AGE_SECONDS`` old, so during the
window (that plus the longest function timeout: a signer built just before lives one invocation)
some sign with the old key and some with the new one: both are members, either signature suffices.

``finish`` (refused before the window ends unless ``--force``): the quorum's keys become the
current key alone (signed with it), THEN ``_previous`` leaves the secret. The old key signs nothing
any more.

Crash-safe: each step changes the quorum before the secret, so the secret's key is always a
member. A ``finish`` that died is completed by running it again; a ``begin`` that died before
storing its key left an unused member behind, which the next rotation's ``finish`` removes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from basis.platform.aws import PARAMETERS_MAX_AGE_SECONDS
from basis.platform.errors import ConfigurationError
from infra.catalog import FUNCTIONS
from tools.deployment import RotationError, add_stage_argument, bootstrap_for, exit_status
from tools.platform_secret import PlatformSecret
from tools.privy_setup import authorization_public_key

KEY = "privy_authorization_key"
PREVIOUS = "privy_authorization_key_previous"
ROTATED_AT = "privy_authorization_key_rotated_at"
# Until then a function may still sign with the previous key: its cached secret, then one invocation.
WINDOW = timedelta(seconds=PARAMETERS_MAX_AGE_SECONDS + max(f.timeout_seconds for f in FUNCTIONS))


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}Z" if moment else f"unknown (the secret has no {ROTATED_AT})"


def fingerprint(public_key: str) -> str:
    """A short, printable name of a public key (base64 DER SPKI)."""
    return "sha256:" + hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


@dataclass(frozen=True)
class Rotation:
    """Where the platform key stands: the quorum's members and the secret's keys (public halves)."""

    quorum_id: str
    quorum_keys: list[str]
    threshold: int | None
    current: str
    previous: str | None
    rotated_at: datetime | None

    @property
    def window_ends(self) -> datetime | None:
        return self.rotated_at + WINDOW if self.rotated_at else None

    def phase(self, now: datetime) -> str:
        if self.previous is None:
            return "idle"
        return "ready" if self.window_ends and now >= self.window_ends else "window"

    def describe(self, now: datetime) -> str:
        def role(key: str) -> str:
            if key == self.current:
                return f"current ({KEY})"
            return f"previous ({PREVIOUS})" if key == self.previous else "not in the secret: unused"

        lines = [f"key quorum {self.quorum_id}, threshold {self.threshold}"]
        lines += [f"  {fingerprint(k)}  {role(k)}" for k in self.quorum_keys]
        if self.current not in self.quorum_keys:
            lines.append(f"  {fingerprint(self.current)}  current ({KEY}) IS NOT A MEMBER: signing fails")
        phase = self.phase(now)
        if phase == "idle":
            lines.append("no rotation in progress")
        elif phase == "window":
            lines.append(
                f"rotation begun {_when(self.rotated_at)}; the window ends {_when(self.window_ends)}: "
                "functions may still sign with the previous key, finish after that"
            )
        else:
            lines.append(f"the window ended {_when(self.window_ends)}: ready to finish")
        return "\n".join(lines)


def _options(private_key: str) -> Any:
    from privy.lib.authorization import AuthorizationContext
    from privy.lib.request_options import PrivyRequestOptions

    return PrivyRequestOptions(
        authorization_context=AuthorizationContext(authorization_private_keys=[private_key])
    )


class Rotator:
    """The steps against one key quorum and one secret (``client``: a privy-client ``PrivyAPI``)."""

    def __init__(
        self,
        client: Any,
        quorum_id: str,
        secret: PlatformSecret,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client, self.quorum_id, self.secret, self.now = client, quorum_id, secret, now

    def state(self, values: dict[str, Any] | None = None) -> Rotation:
        values = values if values is not None else self.secret.read()
        if not values.get(KEY):
            raise RotationError(f"the secret has no {KEY}: create the platform key first (tools.privy_setup)")
        quorum = self.client.key_quorums.get(self.quorum_id)
        return Rotation(
            quorum_id=self.quorum_id,
            quorum_keys=[k.public_key for k in quorum.authorization_keys],
            threshold=int(quorum.authorization_threshold) if quorum.authorization_threshold else None,
            current=authorization_public_key(values[KEY]),
            previous=authorization_public_key(values[PREVIOUS]) if values.get(PREVIOUS) else None,
            rotated_at=datetime.fromisoformat(values[ROTATED_AT]) if values.get(ROTATED_AT) else None,
        )

    def _set_keys(self, public_keys: list[str], signed_with: str) -> None:
        from privy.lib.key_quorums import PrivyKeyQuorumsService

        change: Any = {"public_keys": public_keys, "authorization_threshold": 1}
        PrivyKeyQuorumsService(self.client).update(
            self.quorum_id, key_quorum_update_params=change, request_options=_options(signed_with)
        )

    def begin(self) -> Rotation:
        from privy.lib.authorization import generate_p256_key_pair

        values = self.secret.read()
        state = self.state(values)
        if state.previous is not None:
            raise RotationError(
                f"a rotation is in progress (begun {_when(state.rotated_at)}): finish it first"
            )
        if state.current not in state.quorum_keys:
            raise RotationError(
                f"the secret's key is not a member of key quorum {self.quorum_id}: fix that first"
            )
        new = generate_p256_key_pair()
        self._set_keys([*state.quorum_keys, new.public_key], signed_with=values[KEY])
        self.secret.write(
            {**values, KEY: new.private_key, PREVIOUS: values[KEY], ROTATED_AT: self.now().isoformat()}
        )
        return self.state()

    def finish(self, *, force: bool = False) -> Rotation:
        values = self.secret.read()
        state = self.state(values)
        if state.previous is None:
            if state.quorum_keys != [state.current]:
                raise RotationError(
                    "no rotation in progress, yet the quorum has keys the secret does not hold: "
                    "run begin, then finish (it leaves the current key alone)"
                )
            return state
        if state.phase(self.now()) != "ready" and not force:
            raise RotationError(
                f"the window ends {_when(state.window_ends)}: functions may still sign with the previous "
                "key; run finish after that, or --force"
            )
        if state.current not in state.quorum_keys:
            raise RotationError(f"the secret's key is not a member of key quorum {self.quorum_id}")
        self._set_keys([state.current], signed_with=values[KEY])
        self.secret.write({k: v for k, v in values.items() if k not in (PREVIOUS, ROTATED_AT)})
        return self.state()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.rotate_platform_key",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("step", choices=("status", "begin", "finish"))
    parser.add_argument("--force", action="store_true", help="finish before the window is over")
    add_stage_argument(parser)
    args = parser.parse_args(argv)

    import privy

    from basis.privy.client import privy_client
    from basis.privy.ids import load_privy_ids

    def step() -> None:
        bootstrap_for(args.stage)
        quorum_id = load_privy_ids().key_quorum_id
        if not quorum_id:
            raise ConfigurationError("the Privy ids name no key quorum: nothing to rotate")
        rotator = Rotator(privy_client(), quorum_id, PlatformSecret())
        if args.step == "begin":
            rotator.begin()
        elif args.step == "finish":
            rotator.finish(force=args.force)
        print(rotator.state().describe(rotator.now()))

    def step_at_privy() -> None:
        try:
            step()
        except privy.APIStatusError as exc:
            raise RotationError(f"Privy answered {exc.status_code}: {exc.body}") from exc

    return exit_status(step_at_privy)


if __name__ == "__main__":
    raise SystemExit(main())
