"""The DynamoDB tables, one per PynamoDB model (``basis.models.ALL_MODELS``)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as ddb
from constructs import Construct

from infra.deployment import Deployment
from infra.tables import IndexSpec, Key, TableSpec, all_table_specs

_TYPES = {"S": ddb.AttributeType.STRING, "N": ddb.AttributeType.NUMBER, "B": ddb.AttributeType.BINARY}
_PROJECTIONS = {
    "ALL": ddb.ProjectionType.ALL,
    "KEYS_ONLY": ddb.ProjectionType.KEYS_ONLY,
    "INCLUDE": ddb.ProjectionType.INCLUDE,
}


def _attribute(key: Key) -> ddb.Attribute:
    return ddb.Attribute(name=key.name, type=_TYPES[key.type])


def _logical_id(spec: TableSpec) -> str:
    return "Table" + "".join(part.title() for part in spec.suffix.split("_"))


class DataStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, deployment: Deployment, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.tables: dict[str, ddb.Table] = {}
        for spec in all_table_specs():
            self.tables[spec.suffix] = self._table(spec, deployment)

    def _table(self, spec: TableSpec, deployment: Deployment) -> ddb.Table:
        # Money tables are protected in every stage (a dev stage's funds are real too); the rest in prod.
        protected = spec.holds_money or deployment.is_prod
        table = ddb.Table(
            self,
            _logical_id(spec),
            table_name=spec.physical_name(deployment.prefix),
            partition_key=_attribute(spec.partition),
            sort_key=_attribute(spec.sort) if spec.sort else None,
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            encryption=ddb.TableEncryption.AWS_MANAGED,
            deletion_protection=protected,
            removal_policy=cdk.RemovalPolicy.RETAIN if protected else cdk.RemovalPolicy.DESTROY,
        )
        for index in spec.indexes:
            self._index(table, index)
        return table

    @staticmethod
    def _index(table: ddb.Table, index: IndexSpec) -> None:
        if index.local:
            table.add_local_secondary_index(
                index_name=index.name,
                sort_key=_attribute(index.sort) if index.sort else _attribute(index.partition),
                projection_type=_PROJECTIONS[index.projection],
                non_key_attributes=list(index.non_key_attributes) or None,
            )
            return
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.partition),
            sort_key=_attribute(index.sort) if index.sort else None,
            projection_type=_PROJECTIONS[index.projection],
            non_key_attributes=list(index.non_key_attributes) or None,
        )
