"""Claim items: what replaces Postgres advisory locks and UNIQUE constraints (N1, N11).

* Uniqueness guards: ``claim = "wallet#<privy wallet id>"`` or ``"address#<chain>#<addr>"``, put with
  ``attribute_not_exists(claim)``; never expire.
* Leases: ``claim = "lease#<purpose>#<user id>"`` with an owner and ``expires_at``; taken when absent
  or expired (conditional write), released by the owner. DynamoDB TTL removes stale ones.
* Orphans: ``claim = "orphan#<user id>#<chain>"``: a wallet created at Privy whose database write
  failed, adopted (not duplicated) by the next provisioning attempt.

Access pattern: get/put/delete by claim key only.
"""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from basis.models.base import BaseModel


class Claim(BaseModel):
    table_suffix = "claims"
    ttl_attribute = "ttl"

    class Meta(BaseModel.Meta):
        abstract = False

    claim = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    # Epoch seconds after which a lease is free again; guards leave it unset.
    expires_at = NumberAttribute(null=True)
    # Epoch seconds at which DynamoDB may delete the item (leases only).
    ttl = NumberAttribute(null=True)
    # What the claim records, as JSON (e.g. an orphaned wallet's id and address).
    data = UnicodeAttribute(null=True)
