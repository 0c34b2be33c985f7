"""Table schemas read from the PynamoDB models (``basis.models.ALL_MODELS``), for CDK.

Keys, attribute types, secondary indexes and TTL all come from the model classes through
PynamoDB's own introspection, so the deployed tables are exactly what the code reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

from basis.models import ALL_MODELS, BaseModel

# The tables holding money state, or what money state hangs on: always deletion-protected and
# retained (README "Data safety"). ``control`` (kill switch, breaker, heartbeats) is the one left
# out: operational flags an operator re-asserts, no balances, wallets or records of funds.
MONEY_TABLES: frozenset[str] = frozenset(
    {
        "users",  # the user's server wallets (ids, addresses, custody)
        "claims",  # wallet uniqueness guards and orphans (wallets created at Privy, not yet recorded)
        "transfers",  # deposits and withdrawals in flight and done
        "spend_windows",  # the daily spend caps and their reservations
        "signing_ledger",  # every signing request: the audit trail of funds moved
        "positions",  # open and closed hedges
        "strategy_configs",  # what the platform may trade on the user's behalf
        "risk_tracking",  # drawdown peaks, trade counts, failures: the risk limits' memory
    }
)


@dataclass(frozen=True)
class Key:
    name: str
    type: str  # "S" | "N" | "B"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition: Key
    sort: Key | None
    projection: str  # "ALL" | "KEYS_ONLY" | "INCLUDE"
    non_key_attributes: tuple[str, ...] = ()
    local: bool = False


@dataclass(frozen=True)
class TableSpec:
    suffix: str
    model: str
    partition: Key
    sort: Key | None
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}{self.suffix}"

    @property
    def holds_money(self) -> bool:
        return self.suffix in MONEY_TABLES


def _index_spec(index: GlobalSecondaryIndex | LocalSecondaryIndex) -> IndexSpec:
    attributes = index.Meta.attributes
    partition = next(Key(a.attr_name, a.attr_type) for a in attributes.values() if a.is_hash_key)
    sort = next((Key(a.attr_name, a.attr_type) for a in attributes.values() if a.is_range_key), None)
    projection = index.Meta.projection
    return IndexSpec(
        name=index.Meta.index_name,
        partition=partition,
        sort=sort,
        projection=projection.projection_type,
        non_key_attributes=tuple(projection.non_key_attributes or ()),
        local=isinstance(index, LocalSecondaryIndex),
    )


def table_spec(model: type[BaseModel]) -> TableSpec:
    attributes = model.get_attributes()
    if not model.table_suffix:
        raise ValueError(f"model {model.__name__} has no table_suffix")
    hash_name, range_name = model._hash_keyname, model._range_keyname
    if hash_name is None:
        raise ValueError(f"model {model.__name__} has no hash key")
    if model.ttl_attribute and attributes[model.ttl_attribute].attr_type != "N":
        raise ValueError(f"{model.__name__}.{model.ttl_attribute}: a TTL attribute must be a number")
    return TableSpec(
        suffix=model.table_suffix,
        model=model.__name__,
        partition=Key(hash_name, attributes[hash_name].attr_type),
        sort=Key(range_name, attributes[range_name].attr_type) if range_name else None,
        indexes=tuple(_index_spec(index) for index in model._indexes.values()),  # type: ignore[arg-type]
        ttl_attribute=model.ttl_attribute,
    )


def all_table_specs() -> tuple[TableSpec, ...]:
    specs = tuple(table_spec(model) for model in ALL_MODELS)
    unknown = MONEY_TABLES - {spec.suffix for spec in specs}
    if unknown:
        raise ValueError(f"MONEY_TABLES names no model's table: {sorted(unknown)}")
    return specs
