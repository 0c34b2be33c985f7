"""Durable platform-wide flags and shared state: the kill switch, the signing circuit breaker, the
schedules' heartbeats.

Access pattern: get by name; atomic updates with conditions on ``state`` / ``counter`` / the tally's
slot (shared by every Lambda container, so no read-modify-write without a condition).
"""

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from basis.models.base import BaseModel


class ControlFlag(BaseModel):
    table_suffix = "control"

    class Meta(BaseModel.Meta):
        abstract = False

    name = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute(default="closed")
    counter = NumberAttribute(default=0)
    until = NumberAttribute(null=True)
    details = MapAttribute(default=dict)  # type: ignore[var-annotated]
    # A schedule's counts per slot (``{"slot": ..., "<what>": n}``): the current slot and the one before.
    tally = MapAttribute(null=True)  # type: ignore[var-annotated]
    previous_tally = MapAttribute(null=True)  # type: ignore[var-annotated]
