"""Rotate the secret that signs service tokens (``internal_jwt_secret``) with no moment where a
valid service token is refused.

    python -m tools.rotate_service_secret status [--stage STAGE]
    python -m tools.rotate_service_secret rotate [--stage STAGE] [--revoke]

``rotate``: a new random secret becomes ``internal_jwt_secret``; the old one is kept as
``internal_jwt_secret_previous`` with the time (``internal_jwt_secret_rotated_at``). Issuers sign
with the old one until every authorizer has read the new one, authorizers accept the old one until
the last token it signed has expired, and not after (``basis.identity.service_secrets``): nothing
to finish. Refused while the previous rotation's window is still open (its old secret is still in
use). ``--revoke`` (the old secret leaked): no previous kept, the old secret is refused by each
authorizer as soon as it reads the secret again (within five minutes), and a token signed with the
new one may be refused meanwhile. Values are never printed.
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from basis.identity.service_secrets import PREVIOUS_ACCEPTED_FOR, PREVIOUS_SIGNS_FOR
from tools.deployment import RotationError, add_stage_argument, bootstrap_for, exit_status
from tools.platform_secret import PlatformSecret

KEY = "internal_jwt_secret"
PREVIOUS = "internal_jwt_secret_previous"
ROTATED_AT = "internal_jwt_secret_rotated_at"


def _rotated_at(values: dict[str, Any]) -> datetime | None:
    return (
        datetime.fromisoformat(values[ROTATED_AT])
        if values.get(PREVIOUS) and values.get(ROTATED_AT)
        else None
    )


def describe(values: dict[str, Any], now: datetime) -> str:
    rotated_at = _rotated_at(values)
    if rotated_at is None or now >= rotated_at + PREVIOUS_ACCEPTED_FOR:
        return "one service-token secret in use; no rotation in progress"
    signing = "the previous one" if now < rotated_at + PREVIOUS_SIGNS_FOR else "the new one"
    return (
        f"rotated {rotated_at:%Y-%m-%d %H:%M:%S}Z: issuers sign with {signing}; the previous one is "
        f"accepted until {rotated_at + PREVIOUS_ACCEPTED_FOR:%Y-%m-%d %H:%M:%S}Z"
    )


def rotate(
    secret: PlatformSecret,
    *,
    revoke: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Write the new secret (and, unless ``revoke``, the old one as previous); the values written."""
    values = secret.read()
    moment = now()
    rotated_at = _rotated_at(values)
    if not revoke and rotated_at is not None and moment < rotated_at + PREVIOUS_ACCEPTED_FOR:
        raise RotationError(
            f"the previous rotation's secret is accepted until "
            f"{rotated_at + PREVIOUS_ACCEPTED_FOR:%Y-%m-%d %H:%M:%S}Z: rotate after that (or --revoke)"
        )
    kept = {k: v for k, v in values.items() if k not in (PREVIOUS, ROTATED_AT)}
    rotation = {} if revoke else {PREVIOUS: values[KEY], ROTATED_AT: moment.isoformat()}
    written = {**kept, KEY: secrets.token_urlsafe(48), **rotation}
    secret.write(written)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.rotate_service_secret",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("step", choices=("status", "rotate"))
    parser.add_argument("--revoke", action="store_true", help="refuse the old secret at once (it leaked)")
    add_stage_argument(parser)
    args = parser.parse_args(argv)

    def step() -> None:
        bootstrap_for(args.stage)
        secret = PlatformSecret()
        if args.step == "rotate":
            rotate(secret, revoke=args.revoke)
        print(describe(secret.read(), datetime.now(UTC)))

    return exit_status(step)


if __name__ == "__main__":
    raise SystemExit(main())
