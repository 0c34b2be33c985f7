"""PynamoDB models: the DynamoDB schema. ``ALL_MODELS`` is the one list CDK and the local stack read."""

from basis.models.base import BaseModel, bind_models, connection
from basis.models.claims import Claim
from basis.models.control import ControlFlag
from basis.models.positions import Position
from basis.models.risk import RiskTracking
from basis.models.signing import SigningRecord, SpendWindow
from basis.models.strategy import StrategyConfig
from basis.models.transfers import Transfer
from basis.models.users import User

ALL_MODELS: tuple[type[BaseModel], ...] = (
    User,
    Claim,
    StrategyConfig,
    RiskTracking,
    Position,
    Transfer,
    SigningRecord,
    SpendWindow,
    ControlFlag,
)

__all__ = [
    "ALL_MODELS",
    "BaseModel",
    "Claim",
    "ControlFlag",
    "Position",
    "RiskTracking",
    "SigningRecord",
    "SpendWindow",
    "StrategyConfig",
    "Transfer",
    "User",
    "bind_models",
    "connection",
]
