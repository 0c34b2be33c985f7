"""Durable platform-wide flags and shared state: the kill switch, the signing circuit breaker.

Access pattern: get/update by name with version checks (shared by every Lambda container).
"""

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

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
    version = VersionAttribute()
