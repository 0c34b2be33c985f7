"""Users with their server wallets (a user's pause is their strategy's: ``StrategyConfig``).

Access patterns: get a user by Privy DID (sign-in, every per-user worker); find the user that
owns an EVM address (deposit reconciler, bridge credits) via ``by_evm_address``; list the users
by ``wallet_state`` via ``by_wallet_state``: ``pending`` from the first sign-in until both server
wallets are recorded, then ``ready`` (the gas funder, the incomplete-wallets check, operators).
"""

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from basis.models.base import BaseModel, utcnow


class ByEvmAddress(GlobalSecondaryIndex["User"]):
    class Meta:
        index_name = "by_evm_address"
        projection = AllProjection()

    evm_address = UnicodeAttribute(hash_key=True)


class ByWalletState(GlobalSecondaryIndex["User"]):
    class Meta:
        index_name = "by_wallet_state"
        projection = AllProjection()

    wallet_state = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class User(BaseModel):
    table_suffix = "users"

    class Meta(BaseModel.Meta):
        abstract = False

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    last_sign_in_at = UTCDateTimeAttribute(null=True)
    evm_wallet_id = UnicodeAttribute(null=True)
    evm_address = UnicodeAttribute(null=True)
    solana_wallet_id = UnicodeAttribute(null=True)
    solana_address = UnicodeAttribute(null=True)
    wallet_state = UnicodeAttribute(null=True)  # "pending" | "ready"

    by_evm_address = ByEvmAddress()
    by_wallet_state = ByWalletState()

    @property
    def wallets_ready(self) -> bool:
        return bool(self.evm_wallet_id and self.solana_wallet_id)
