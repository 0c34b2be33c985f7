"""Powertools idempotency records (the layout DynamoDBPersistenceLayer writes by default)."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from basis.models.base import BaseModel


class IdempotencyRecord(BaseModel):
    table_suffix = "idempotency"
    ttl_attribute = "expiration"

    class Meta(BaseModel.Meta):
        abstract = False

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)
    validation = UnicodeAttribute(null=True)
