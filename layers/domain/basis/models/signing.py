"""The signing ledger (24h, TTL) and the per-user spend windows behind the strict caps.

``SigningRecord`` access patterns: every signing request in an hour bucket (``bucket`` =
``YYYYMMDDHH``; the health endpoint reads the last 24) and a user's requests (``by_user``).

``SpendWindow``: one item per (user, asset) holding hourly spend buckets and pending reservations,
and their ``total``; a reservation is one conditional update of the total (``total + amount <=
cap``), other changes are atomic updates or a rewrite guarded by the version, so concurrent requests
cannot overshoot a cap (G2, G3). The sparse
``by_unsettled`` index lists, per asset, the windows holding a reservation or an unresolved one, by
the earliest time one needs settling (the reconciler's stale reservations).
"""

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

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


class ByUnsettled(GlobalSecondaryIndex["SpendWindow"]):
    class Meta:
        index_name = "by_unsettled"
        projection = KeysOnlyProjection()

    unsettled = UnicodeAttribute(hash_key=True)
    settle_by = NumberAttribute(range_key=True)


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
    # Sparse (``by_unsettled``): present only while the window holds reservations or unresolved
    # ones. ``unsettled`` is the asset; ``settle_by`` (epoch seconds) the first lease to run out, or
    # when the oldest unresolved one lapsed.
    unsettled = UnicodeAttribute(null=True)
    settle_by = NumberAttribute(null=True)
    # Everything the maps count (hourly + reservations + unresolved), including what left the rolling
    # window but is not yet dropped: never less than the window's usage. Absent on windows written
    # before it existed (a reservation then rewrites the window).
    total = NumberAttribute(null=True)
    version = VersionAttribute()  # every change adds one

    by_unsettled = ByUnsettled()
