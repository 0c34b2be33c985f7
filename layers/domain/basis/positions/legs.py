"""The two legs of a live hedge at their venues, each opened and closed at most once whatever
re-runs a saga step.

Every venue request is preceded by a write of what is about to be asked (the leg's client id) and
followed by a write of what came back; a re-run first asks the venue what became of the recorded
client id, and only sends again when the venue never saw it:

* **Hyperliquid short**: IOC orders tagged with a ``cloid`` derived from the position id, the leg,
  open/close and the attempt number, looked up with ``orderStatus``. An open Hyperliquid refused
  fails the leg. A close that did not fill (wholly) is followed by the next attempt (a new cloid) for
  what is left, which is always worked out from the fills of the earlier attempts' cloids.
* **Asgard long**: Asgard names a new position (its PDA) before anything is signed; the PDA and the
  time of the submission are recorded first, and a re-run looks the PDA up (``/positions/by-pda``).
  A PDA Asgard has not booked is only given up (and a new position built) once its transaction can
  no longer land (``asgard_landing_window_seconds``). A close is refused by Asgard's program once
  the position is closed, so a re-run that finds it closed records it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from basis.platform.errors import RefusedError, TransientError
from basis.platform.observability import logger
from basis.positions import store
from basis.positions.settings import get_position_settings
from basis.positions.store import LegRecord, PositionRecord, now

if TYPE_CHECKING:
    from basis.venues.asgard.client import AsgardError, AsgardPosition, AsgardPositionManager
    from basis.venues.hyperliquid.trader import HyperliquidTrader, OrderFills

USD = Decimal("0.000001")
SOL_LAMPORTS = Decimal(10**9)
USDC_UNITS = Decimal(10**6)
HEDGEABLE_ASSETS = ("SOL",)  # Asgard lends against SOL/USDC only; Hyperliquid's coin has the same name


class LegRefusedError(RefusedError, code="leg_refused"):
    """A venue refused a leg (nothing of it is open): the open is unwound, a close ends stuck."""


def usd(value: Decimal) -> Decimal:
    return value.quantize(USD, rounding=ROUND_DOWN)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def hl_leverage(leverage: Decimal) -> int:
    """Hyperliquid's leverage is a whole number: rounded down (more margin, never less)."""
    return max(1, int(leverage))


def _refused(exc: AsgardError) -> bool:
    """Asgard said no (a 4xx other than throttling): asking again the same way would not help."""
    return exc.status is not None and 400 <= exc.status < 500 and exc.status != 429


class HyperliquidShort:
    side = "short"

    def __init__(self, trader: HyperliquidTrader) -> None:
        self.trader = trader

    # -- open ----------------------------------------------------------------------------------
    def resolve(self, position: PositionRecord, *, unseen_failed: bool = True) -> PositionRecord:
        """A leg ``sending``: open or failed by what Hyperliquid knows of its cloid (nothing is sent).
        An order Hyperliquid never saw fails the leg, unless ``unseen_failed`` is False (it is then
        left ``sending`` for the caller to send again under the same cloid)."""
        leg = position.short
        if leg.status != "sending":
            return position
        known = self._known(leg.client_id)
        if known is None:
            if not unseen_failed:
                return position
            return self._failed(position, "the order never reached Hyperliquid")
        status, oid = known
        fills = self.trader.order_fills(oid)
        if fills.sz <= 0:
            return self._failed(position, f"Hyperliquid did not fill the short ({status})")
        return self._record_open(position, fills)

    def open(self, position: PositionRecord) -> PositionRecord:
        from basis.venues.hyperliquid.models import HyperliquidActionError
        from basis.venues.hyperliquid.trader import cloid_for

        position = self.resolve(position, unseen_failed=False)
        leg = position.short
        if leg.status == "pending" or leg.status == "sending":  # never sent, or never seen: (re)send
            attempt = max(leg.attempt, 1)  # the same cloid: Hyperliquid never saw it
            cloid = cloid_for(position.position_id, self.side, "open", attempt)
            leg = replace(leg, status="sending", attempt=attempt, client_id=cloid, submitted_at=now())
            position = store.update(position, short=leg)
            try:
                result = self.trader.open_short(
                    position.asset,
                    usd_notional=position.size_usd,
                    leverage=hl_leverage(position.leverage),
                    cloid=cloid,
                )
            except HyperliquidActionError as exc:
                position = self._failed(position, f"Hyperliquid refused the short: {exc}")
            else:
                logger.info(
                    "hedge short sent", extra={"position_id": position.position_id, "oid": result.oid}
                )
                position = self._record_open(position, self.trader.order_fills(result.oid))
        if position.short.status == "failed":
            raise LegRefusedError(position.short.error or "the short failed")
        return position

    def _known(self, cloid: str | None) -> tuple[str, int] | None:
        """(status, oid) of the order Hyperliquid knows by ``cloid``; None if it never saw it."""
        if cloid is None:
            return None
        status = self.trader.order_status(cloid)
        if status is None:
            return None
        if status.resting:  # an IOC never rests: Hyperliquid is still matching it
            raise TransientError(f"order {cloid} is still open at Hyperliquid")
        return status.status, status.oid

    def _record_open(self, position: PositionRecord, fills: OrderFills) -> PositionRecord:
        if fills.sz <= 0:
            return self._failed(position, "Hyperliquid filled nothing of the short")
        leg = replace(
            position.short,
            status="open",
            venue_ref=str(fills.oid),
            size=fills.sz,
            entry_price=fills.avg_px,
            fees_usd=fills.fee,
            opened_at=now(),
            error=None,
        )
        return store.update(position, short=leg)

    def _failed(self, position: PositionRecord, why: str) -> PositionRecord:
        return store.update(position, short=replace(position.short, status="failed", error=why[:500]))

    # -- close ---------------------------------------------------------------------------------
    def close(self, position: PositionRecord) -> PositionRecord:
        """Buy back the leg's size, reduce-only: attempt after attempt until it is all bought back."""
        from basis.venues.hyperliquid.models import HyperliquidActionError
        from basis.venues.hyperliquid.trader import cloid_for

        leg = position.short
        if not leg.is_open:
            return position
        size = leg.size
        assert size is not None  # an open leg has its fill
        limit = get_position_settings().hedge_max_leg_attempts
        closed = self._closed_so_far(position)
        attempt = leg.close_attempt
        if leg.close_client_id is None or self.trader.order_status(leg.close_client_id) is not None:
            attempt += 1  # the last attempt reached Hyperliquid (or there was none): a new cloid
        while closed.sz < size:
            if attempt > limit:
                raise LegRefusedError(f"the short's close did not fill after {limit} attempts")
            cloid = cloid_for(position.position_id, self.side, "close", attempt)
            leg = replace(position.short, status="closing", close_attempt=attempt, close_client_id=cloid)
            position = store.update(position, short=leg)
            try:
                result = self.trader.close_short(position.asset, size=size - closed.sz, cloid=cloid)
            except HyperliquidActionError as exc:
                logger.warning(
                    "hedge short close refused",
                    extra={"position_id": position.position_id, "error": str(exc)},
                )
            else:
                if result is None:  # no short left at Hyperliquid at all (liquidated)
                    return self._record_closed(position, closed, "no short left at Hyperliquid")
            closed = self._closed_so_far(position)
            attempt += 1
        return self._record_closed(position, closed, None)

    def _closed_so_far(self, position: PositionRecord) -> OrderFills:
        """The fills of every close attempt made so far, from Hyperliquid (nothing kept in memory)."""
        from basis.venues.hyperliquid.trader import OrderFills, cloid_for

        fills = []
        for attempt in range(1, position.short.close_attempt + 1):
            status = self.trader.order_status(cloid_for(position.position_id, self.side, "close", attempt))
            if status is not None:
                fills.append(self.trader.order_fills(status.oid))
        total = sum((f.sz for f in fills), Decimal(0))
        notional = sum((f.sz * (f.avg_px or 0) for f in fills), Decimal(0))
        return OrderFills(
            fills[-1].oid if fills else 0,
            total,
            notional / total if total else None,
            sum((f.fee for f in fills), Decimal(0)),
            sum((f.closed_pnl for f in fills), Decimal(0)),
        )

    def _record_closed(
        self, position: PositionRecord, closed: OrderFills, note: str | None
    ) -> PositionRecord:
        leg = position.short
        leg = replace(
            leg,
            status="closed",
            close_ref=str(closed.oid) if closed.oid else None,
            exit_price=closed.avg_px,
            closed_pnl_usd=closed.closed_pnl,
            fees_usd=(leg.fees_usd or 0) + closed.fee,
            funding_usd=self.funding(position),
            closed_at=now(),
            error=note,
        )
        return store.update(position, short=leg)

    def funding(self, position: PositionRecord) -> Decimal:
        """Funding this open leg has received so far: each hourly settlement of the account's
        ``szi`` since the leg opened, shared pro rata to this leg's size (several positions may short
        the same coin)."""
        leg = position.short
        if leg.opened_at is None or not leg.size:
            return Decimal(0)
        payments = self.trader.funding_payments(position.asset, ms(leg.opened_at))
        return usd(sum((p.usdc * leg.size / abs(p.szi) for p in payments if p.szi), Decimal(0)))


class AsgardLong:
    side = "long"

    def __init__(self, manager: AsgardPositionManager) -> None:
        self.manager = manager

    # -- open ----------------------------------------------------------------------------------
    def resolve(self, position: PositionRecord) -> PositionRecord:
        """A leg ``sending``: open or failed by what Asgard booked under its PDA (nothing is sent);
        while its transaction may still land, ``TransientError``."""
        leg = position.long
        if leg.status != "sending" or leg.client_id is None:
            return position
        found = self.manager.position(leg.client_id)
        if found is not None:
            return self._settle(position, found)
        self._wait_while_it_may_land(leg)
        return self._failed(position, f"Asgard never booked {leg.client_id}")

    def open(self, position: PositionRecord) -> PositionRecord:
        position = self.resolve(position)
        leg = position.long
        if leg.status == "failed" and leg.attempt < get_position_settings().hedge_max_leg_attempts:
            leg = replace(leg, status="pending", error=None)  # that PDA can no longer land: build anew
        if leg.status == "pending":
            position = self._send(position, leg)
        if position.long.status == "failed":
            raise LegRefusedError(position.long.error or "the long failed")
        return position

    def _send(self, position: PositionRecord, leg: LegRecord) -> PositionRecord:
        """Build, record the PDA, sign, record the submission, submit: each write before its step."""
        from basis.venues.asgard.client import AsgardError

        short = position.short
        if short.size is None:
            raise LegRefusedError("the long is sized from the short, which has not filled")
        collateral = usd(short.size * self.manager.terms().price / position.leverage)
        try:
            built = self.manager.build_open(collateral, position.leverage)
        except AsgardError as exc:
            if _refused(exc):
                return self._failed(position, f"Asgard refused the long: {exc}")
            raise
        pda = str(built["positionPDA"])
        leg = replace(
            leg,
            status="sending",
            attempt=leg.attempt + 1,
            client_id=pda,
            submitted_at=None,
            collateral_usd=collateral,
        )
        position = store.update(position, long=leg)  # before anything is signed
        signed = self.manager.sign_open(built)
        position = store.update(position, long=replace(leg, submitted_at=now()))  # before it is submitted
        try:
            opened = self.manager.post_open(signed)
        except AsgardError as exc:
            if not _refused(exc):
                raise
            found = self.manager.position(pda)
            return (
                self._settle(position, found)
                if found
                else self._failed(position, f"Asgard refused the long: {exc}")
            )
        logger.info("hedge long opened", extra={"position_id": position.position_id, "pda": opened.pda})
        return self._settle(position, opened)

    def _wait_while_it_may_land(self, leg: LegRecord) -> None:
        if leg.submitted_at is None:
            return
        waited = (now() - leg.submitted_at).total_seconds()
        window = get_position_settings().asgard_landing_window_seconds
        if waited < window:
            raise TransientError(
                f"Asgard has not booked {leg.client_id} yet; it may land for {window - waited:.0f} s"
            )

    def _settle(self, position: PositionRecord, found: AsgardPosition) -> PositionRecord:
        if not found.active:
            return self._failed(position, f"Asgard position {found.pda} is {found.status}, not active")
        leg = replace(
            position.long,
            status="open",
            client_id=found.pda,
            venue_ref=found.open_tx,
            size=Decimal(found.size_lamports or 0) / SOL_LAMPORTS,
            entry_price=found.entry_price,
            collateral_usd=Decimal(found.collateral or 0) / USDC_UNITS,
            debt_usd=Decimal(found.debt or 0) / USDC_UNITS,
            opened_at=now(),
            error=None,
        )
        return store.update(position, long=leg)

    def _failed(self, position: PositionRecord, why: str) -> PositionRecord:
        return store.update(position, long=replace(position.long, status="failed", error=why[:500]))

    # -- close ---------------------------------------------------------------------------------
    def close(self, position: PositionRecord) -> PositionRecord:
        from basis.venues.asgard.client import AsgardError

        leg = position.long
        if not leg.is_open:
            return position
        assert leg.client_id is not None  # an open leg has its PDA
        found = self.manager.position(leg.client_id)
        if found is None:
            raise LegRefusedError(f"Asgard does not know the open position {leg.client_id}")
        if not found.active:  # closed by an earlier run (or liquidated)
            return self._record_closed(position, found, Decimal(found.equity_withdrawn or 0), None)
        position = store.update(
            position, long=replace(leg, status="closing", close_attempt=leg.close_attempt + 1)
        )
        try:
            result = self.manager.close(leg.client_id)
        except AsgardError as exc:
            found = self.manager.position(leg.client_id)
            if found is not None and not found.active:
                return self._record_closed(position, found, Decimal(found.equity_withdrawn or 0), None)
            if _refused(exc):
                raise LegRefusedError(f"Asgard refused the close: {exc}") from exc
            raise
        return self._record_closed(position, result.position, Decimal(result.proceeds), result.tx_hash)

    def _record_closed(
        self, position: PositionRecord, found: AsgardPosition, proceeds_units: Decimal, tx: str | None
    ) -> PositionRecord:
        leg = replace(
            position.long,
            status="closed",
            close_ref=tx or found.close_tx,
            exit_price=found.mark_price,
            proceeds_usd=proceeds_units / USDC_UNITS,
            interest_usd=Decimal(found.interest or 0) / USDC_UNITS,
            closed_at=now(),
            error=None if found.status != "liquidated" else "liquidated at Asgard",
        )
        return store.update(position, long=leg)
