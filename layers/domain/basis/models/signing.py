"""The signing ledger (24h, TTL) and the per-user spend windows behind the strict caps.

``SigningRecord`` access patterns: every signing request in an hour bucket (``bucket`` =
``YYYYMMDDHH``; the health endpoint reads the last 24) and a user's requests (``by_user``).

``SpendWindow``: one item per (user, asset) holding hourly spend buckets and pending reservations;
updated with a version check so concurrent requests cannot overshoot a cap (G2, G3).
"""

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from basis.models.base import BaseModel


class ByUser(GlobalSecondaryIndex["SigningRecord"]):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


class SigningRecord(BaseModel):
    table_suffix = "signing_ledger"
    ttl_attribute = "ttl"

    class Meta(BaseModel.Meta):
        abstract = False

    bucket = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)  # "<iso time>#<request id>"
    user_id = UnicodeAttribute()
    wallet_id = UnicodeAttribute(null=True)
    wallet_address = UnicodeAttribute(null=True)
    chain = UnicodeAttribute()
    method = UnicodeAttribute()
    action = UnicodeAttribute(null=True)
    result = UnicodeAttribute()  # success | policy_denied | error | circuit_open | cap_exceeded
    duration_ms = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    ttl = NumberAttribute()

    by_user = ByUser()


class SpendWindow(BaseModel):
    table_suffix = "spend_windows"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    asset = UnicodeAttribute(range_key=True)  # USDC | SOL | SPL
    # "YYYYMMDDHH" -> base units committed in that hour
    hourly = MapAttribute(default=dict)  # type: ignore[var-annotated]
    # reservation id -> {"amount": base units, "expires": epoch seconds}
    reservations = MapAttribute(default=dict)  # type: ignore[var-annotated]
    # reservation id -> epoch seconds of commit (kept 24 h so a retried commit is not counted twice)
    committed = MapAttribute(default=dict)  # type: ignore[var-annotated]
    # reservation id -> {"amount": base units, "since": epoch seconds}: its lease ran out before it was
    # committed or released, so it counts as spent (24 h from "since") until it is settled
    unresolved = MapAttribute(default=dict)  # type: ignore[var-annotated]
    version = VersionAttribute()
