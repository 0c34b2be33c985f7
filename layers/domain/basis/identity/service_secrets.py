"""Which secret signs service tokens and which ones verify them, across a rotation of the secret
(``tools.rotate_service_secret``) with no moment where a valid service token is refused.

A rotation writes a new ``internal_jwt_secret`` and keeps the old one as
``internal_jwt_secret_previous`` with the time (``internal_jwt_secret_rotated_at``). Every process
reads the secret anew once its copy is ``PARAMETERS_MAX_AGE_SECONDS`` old, so for that long (plus
clock skew) an authorizer may not know the new secret yet: issuers keep signing with the previous
one until every authorizer has read the new one, then sign with the new one. Authorizers accept the
previous one until the last token it signed has expired (``PREVIOUS_ACCEPTED_FOR``), and never after.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from basis.identity.tokens import MAX_CLOCK_LEEWAY_SECONDS, SERVICE_TOKEN_MAX_TTL
from basis.platform.aws import PARAMETERS_MAX_AGE_SECONDS
from basis.platform.secrets import Secrets, get_secrets

# Until then an authorizer may still hold the secret as it was before the rotation.
PREVIOUS_SIGNS_FOR = timedelta(seconds=PARAMETERS_MAX_AGE_SECONDS + MAX_CLOCK_LEEWAY_SECONDS)
# ... and a token signed with the previous secret at the last moment lives its lifetime (and skew).
PREVIOUS_ACCEPTED_FOR = PREVIOUS_SIGNS_FOR + timedelta(
    seconds=SERVICE_TOKEN_MAX_TTL + MAX_CLOCK_LEEWAY_SECONDS
)


@dataclass(frozen=True)
class ServiceSecrets:
    current: str
    previous: str | None = None
    rotated_at: datetime | None = None

    def _within(self, window: timedelta, now: float) -> bool:
        return bool(self.previous and self.rotated_at and now < (self.rotated_at + window).timestamp())

    def signing(self, now: float | None = None) -> str:
        """The secret to sign a service token with now: one every authorizer accepts."""
        moment = time.time() if now is None else now
        return self.previous if self.previous and self._within(PREVIOUS_SIGNS_FOR, moment) else self.current

    def accepted(self, now: float | None = None) -> tuple[str, ...]:
        """The secrets a service token may be signed with now: the current one, and the previous
        one while tokens it signed may still be alive."""
        moment = time.time() if now is None else now
        if self.previous and self._within(PREVIOUS_ACCEPTED_FOR, moment):
            return (self.current, self.previous)
        return (self.current,)


def of(secrets: Secrets) -> ServiceSecrets:
    rotated_at = secrets.internal_jwt_secret_rotated_at
    return ServiceSecrets(secrets.internal_jwt_secret, secrets.internal_jwt_secret_previous, rotated_at)


def service_secrets() -> ServiceSecrets:
    """The deployment's service-token secrets, as this process last read them."""
    return of(get_secrets())
