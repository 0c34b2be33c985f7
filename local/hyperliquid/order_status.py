"""Every order the simulator placed, with its latest status, for ``/info`` ``orderStatus``.

Hyperliquid answers ``{"type": "orderStatus", "user", "oid"}`` (``oid`` an order id or a cloid hex)
with ``{"status": "order", "order": {"order": {...}, "status": <word>, "statusTimestamp": ms}}``, or
``{"status": "unknownOid"}`` for an order it never saw. The status word is ``open``, ``filled``,
``canceled``, or the rejection's own word when placement refused the order (``iocCancelRejected``,
``perpMarginRejected``, ...): a refused order still has an oid and is found by its cloid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from local.hyperliquid.markets import wire
from local.hyperliquid.orders import OrderRequest

# Placement refusals (the start of the error text) and the status word Hyperliquid records.
REJECTIONS = (
    ("Reduce only order would increase position", "reduceOnlyRejected"),
    ("Order must have minimum value", "minTradeNtlRejected"),
    ("Order could not immediately match", "iocCancelRejected"),
    ("Insufficient margin", "perpMarginRejected"),
    ("Post only order would have immediately matched", "badAloPxRejected"),
)


def rejection_status(message: str) -> str:
    return next((status for prefix, status in REJECTIONS if message.startswith(prefix)), "rejected")


@dataclass
class PlacedOrder:
    oid: int
    user: str
    coin: str
    is_buy: bool
    limit_px: Decimal
    orig_sz: Decimal
    reduce_only: bool
    tif: str
    timestamp: int
    cloid: str | None
    status: str
    status_time: int

    @classmethod
    def of(cls, request: OrderRequest, oid: int, user: str, status: str, now: int) -> PlacedOrder:
        return cls(
            oid=oid,
            user=user,
            coin=request.market.name,
            is_buy=request.is_buy,
            limit_px=request.limit_px,
            orig_sz=request.sz,
            reduce_only=request.reduce_only,
            tif=request.tif,
            timestamp=now,
            cloid=request.cloid,
            status=status,
            status_time=now,
        )

    def answer(self) -> dict[str, Any]:
        order: dict[str, Any] = {
            "coin": self.coin,
            "side": "B" if self.is_buy else "A",
            "limitPx": wire(self.limit_px),
            "sz": "0.0" if self.status != "open" else wire(self.orig_sz),
            "oid": self.oid,
            "timestamp": self.timestamp,
            "triggerCondition": "N/A",
            "isTrigger": False,
            "triggerPx": "0.0",
            "children": [],
            "isPositionTpsl": False,
            "reduceOnly": self.reduce_only,
            "orderType": "Limit",
            "origSz": wire(self.orig_sz),
            "tif": self.tif,
            "cloid": self.cloid,
        }
        return {
            "status": "order",
            "order": {"order": order, "status": self.status, "statusTimestamp": self.status_time},
        }


class OrderHistory:
    """The orders placed, by oid and by (user, cloid). Not locked: the ledger's lock guards it."""

    def __init__(self) -> None:
        self.by_oid: dict[int, PlacedOrder] = {}
        self.by_cloid: dict[tuple[str, str], int] = {}

    def add(self, order: PlacedOrder) -> None:
        self.by_oid[order.oid] = order
        if order.cloid:
            self.by_cloid[(order.user, order.cloid.lower())] = order.oid

    def set_status(self, oid: int, status: str, at: int) -> None:
        order = self.by_oid.get(oid)
        if order is not None:
            order.status, order.status_time = status, at

    def lookup(self, user: str, oid_or_cloid: Any) -> dict[str, Any]:
        user = user.lower()
        if isinstance(oid_or_cloid, str):
            oid = self.by_cloid.get((user, oid_or_cloid.lower()))
        elif isinstance(oid_or_cloid, int) and not isinstance(oid_or_cloid, bool):
            oid = oid_or_cloid
        else:
            raise TypeError("oid must be an order id or a cloid hex string")
        order = self.by_oid.get(oid) if oid is not None else None
        if order is None or order.user != user:
            return {"status": "unknownOid"}
        return order.answer()
