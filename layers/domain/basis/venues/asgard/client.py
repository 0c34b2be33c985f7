"""``AsgardPositionManager``: leveraged SOL longs through Asgard's margin-trading API (seed 3.5).

Asgard builds each transaction; the user's Solana server wallet signs it through the signing layer
(Privy, never a local key); Asgard submits it. Open: ``/create-position`` -> sign ->
``/submit-create-position-tx`` (``build_open`` then ``submit_open``: the position's PDA is known
before anything is signed, so a caller can record it first and look the position up by it after a
crash). Close: ``/close-position`` -> sign -> ``/submit-close-position-tx``, and the proceeds are what
the close transaction itself paid the wallet on chain (its USDC token balances after less before,
whatever else landed meanwhile). Health is Asgard's ``healthFactor`` (percent the SOL price can
fall before liquidation) from ``/refresh-positions``.

``AsgardReader`` is the part that needs no wallet: markets, a position by PDA, a wallet's positions,
health (paper trading and the positions API read through it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import requests

from basis.chains.amounts import parse_decimal, usdc_base_units
from basis.chains.solana import USDC_MINT
from basis.platform.errors import TransientError
from basis.venues.solana.client import SolanaClient

if TYPE_CHECKING:
    from basis.signing.signer import PrivyWalletSigner

log = logging.getLogger(__name__)
MARGINFI, KAMINO, SOLEND, DRIFT = 0, 1, 2, 3  # Asgard's LendingProtocol
LONG = 0  # MarginPosition
COLLATERAL_SHORT_TOKEN = 1  # a long funded with USDC (the liability token)


class AsgardError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else parse_decimal(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class AsgardPosition:
    pda: str
    owner: str
    protocol: int
    state: int
    status: str
    leverage: Decimal
    entry_price: Decimal
    mark_price: Decimal | None
    collateral: int | None  # USDC base units
    size_lamports: int | None
    debt: int | None  # USDC base units
    health_factor: Decimal | None
    open_tx: str | None
    close_tx: str | None
    interest: int | None = None  # USDC base units accrued on the debt so far
    equity: int | None = None  # USDC base units the position is worth net of debt (while active)
    equity_withdrawn: int | None = None  # USDC base units paid out by the close

    @property
    def active(self) -> bool:
        return self.state == 0

    @classmethod
    def parse(cls, record: dict[str, Any]) -> AsgardPosition:
        """A ``margin_positions`` record (Asgard's documented fields; the others when present)."""
        state = int(record["state"])
        return cls(
            pda=str(record["positionPda"]),
            owner=str(record["ownerAddress"]),
            protocol=int(record["protocol"]),
            state=state,
            status=str(record.get("status") or ("active" if state == 0 else f"state {state}")),
            leverage=parse_decimal(record["leverage"]),
            entry_price=parse_decimal(record["tokenAEntryPriceUSD"]),
            mark_price=_decimal(record.get("tokenAPriceUSD")),
            collateral=_int(record.get("collateralAmountNative")),
            size_lamports=_int(record.get("tokenAAmountNative")),
            debt=_int(record.get("tokenBAmountNative")),
            health_factor=_decimal(record.get("healthFactor")),
            open_tx=record.get("openTxHash"),
            close_tx=record.get("closeTxHash"),
            interest=_int(record.get("interestAccruedNative")),
            equity=_int(record.get("equityNative")),
            equity_withdrawn=_int(record.get("equityWithdrawnNative")),
        )


@dataclass(frozen=True)
class PositionHealth:
    pda: str
    health_factor: Decimal  # percent the SOL price can drop before liquidation; 0 = liquidatable
    assets_qt: Decimal  # SOL held
    liabs_qt: Decimal  # USDC owed
    liquidated: bool

    @classmethod
    def parse(cls, pda: str, entry: dict[str, Any]) -> PositionHealth:
        """One ``/refresh-positions`` entry: ``summary.healthFactor`` and ``booksAndBalances``."""
        summary = entry["summary"]
        assets = liabs = Decimal(0)
        for balance in summary["booksAndBalances"]["balances"]:
            for book in balance.values():
                assets += parse_decimal(book.get("assetsQt") or 0) if book.get("mint") != USDC_MINT else 0
                liabs += parse_decimal(book.get("liabsQt") or 0) if book.get("mint") == USDC_MINT else 0
        return cls(
            pda, parse_decimal(summary["healthFactor"]), assets, liabs, bool(entry.get("liquidationEvents"))
        )


@dataclass(frozen=True)
class CloseResult:
    position: AsgardPosition
    tx_hash: str
    proceeds: int  # USDC base units the wallet gained on chain
    reported: int  # what Asgard says it paid


@dataclass(frozen=True)
class MarketTerms:
    """The SOL/USDC market of one lending protocol: the oracle price and the terms a long gets."""

    price: Decimal  # SOL in USD (Asgard's tokenAOracle)
    max_leverage: Decimal
    maintenance_weight: Decimal
    borrow_apy: Decimal  # decimal (0.08 = 8 %)


class AsgardReader:
    """What Asgard answers without a wallet's signature."""

    def __init__(
        self,
        api_url: str,
        *,
        protocol: int = MARGINFI,
        api_key: str | None = None,
        timeout: float = 20.0,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.protocol = protocol
        self.timeout = timeout
        self._session = session or requests.Session()
        if api_key:
            self._session.headers["X-API-Key"] = api_key

    def _post(self, path: str, body: Any) -> Any:
        return self._answer(self._session.post(f"{self.api_url}{path}", json=body, timeout=self.timeout))

    def _get(self, path: str) -> Any:
        return self._answer(self._session.get(f"{self.api_url}{path}", timeout=self.timeout))

    @staticmethod
    def _answer(response: requests.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = body.get("error") if isinstance(body, dict) else response.text[:200]
            raise AsgardError(
                f"Asgard {response.request.path_url}: HTTP {response.status_code}: {detail}",
                response.status_code,
            )
        return body

    # -- markets -----------------------------------------------------------------------------------
    def market(self) -> dict[str, Any]:
        """The SOL/USDC liquidity source of this reader's lending protocol."""
        for strategy in self._get("/markets")["strategies"].values():
            if strategy.get("tokenBMint") != USDC_MINT:
                continue
            for source in strategy.get("liquiditySources", []):
                if source.get("lendingProtocol") == self.protocol and source.get("isActive"):
                    return {
                        **source,
                        "tokenAMint": strategy["tokenAMint"],
                        "tokenBMint": strategy["tokenBMint"],
                    }
        raise AsgardError(f"no active SOL/USDC market for lending protocol {self.protocol}")

    def terms(self) -> MarketTerms:
        market = self.market()
        return MarketTerms(
            price=parse_decimal(market["tokenAOracle"]["priceUSD"]),
            max_leverage=parse_decimal(market["longMaxLeverage"]),
            maintenance_weight=parse_decimal(market["maintenanceWeight"]),
            borrow_apy=parse_decimal(market["tokenBBorrowingApyRate"]),
        )

    # -- positions ---------------------------------------------------------------------------------
    def position(self, position_pda: str) -> AsgardPosition | None:
        """The position with this PDA (any state); None when Asgard has never booked it."""
        try:
            return AsgardPosition.parse(self._post(f"/positions/by-pda?pda={position_pda}", {}))
        except AsgardError as exc:
            if exc.status == 404:
                return None
            raise

    def positions_of(self, wallet: str, *, open_only: bool = True) -> list[AsgardPosition]:
        path = "/positions/open" if open_only else "/positions"
        return [AsgardPosition.parse(r) for r in self._post(path, {"walletPubkey": wallet})]

    def health(self, position_pda: str) -> PositionHealth:
        answer = self._post(
            "/refresh-positions", {"positionPDAs": [{"protocol": self.protocol, "positionPDA": position_pda}]}
        )
        entry = answer["positions"].get(position_pda)
        if entry is None:
            raise AsgardError(f"Asgard has no position {position_pda}", 404)
        return PositionHealth.parse(position_pda, entry)


class AsgardPositionManager(AsgardReader):
    """A user's longs: every transaction is signed by the user's Solana server wallet."""

    def __init__(
        self,
        api_url: str,
        signer: PrivyWalletSigner,
        solana: SolanaClient,
        *,
        protocol: int = MARGINFI,
        slippage_bps: int = 50,
        api_key: str | None = None,
        timeout: float = 20.0,
        session: requests.Session | None = None,
    ) -> None:
        if signer.chain != "solana" or not signer.wallet_address:
            raise ValueError("AsgardPositionManager needs the user's Solana wallet signer (with its address)")
        super().__init__(api_url, protocol=protocol, api_key=api_key, timeout=timeout, session=session)
        self.signer = signer
        self.solana = solana
        self.wallet = signer.wallet_address
        self.slippage_bps = slippage_bps

    def _sign_all(self, built: dict[str, Any], action: str) -> dict[str, Any]:
        unsigned = built.get("signedTxs")
        if not isinstance(unsigned, list) or not unsigned:
            raise AsgardError("Asgard returned no transaction to sign")
        signed = [self.signer.sign_solana_transaction(tx, action=action) for tx in unsigned]
        return {**built, "signedTxs": signed}

    # -- positions ---------------------------------------------------------------------------------
    def open_long(
        self, collateral_usdc: Decimal | int | str, leverage: Decimal | int | str
    ) -> AsgardPosition:
        return self.submit_open(self.build_open(collateral_usdc, leverage))

    def build_open(
        self, collateral_usdc: Decimal | int | str, leverage: Decimal | int | str
    ) -> dict[str, Any]:
        """Asgard's ``create-position`` answer: the new position's ``positionPDA`` and the unsigned
        transaction (nothing is signed or sent yet)."""
        amount = usdc_base_units(collateral_usdc)
        if amount <= 0:
            raise ValueError("collateral_usdc must be positive")
        market = self.market()
        request = {
            "protocol": self.protocol,
            "tokenABank": market["tokenABank"],
            "tokenBBank": market["tokenBBank"],
            "direction": LONG,
            "collateralType": COLLATERAL_SHORT_TOKEN,
            "collateralAmountNative": amount,
            "collateralMint": USDC_MINT,
            "collateralUnitPrice": 1.0,
            "leverage": float(leverage),
            "jitoTipLamport": 0,
            "slippageBps": self.slippage_bps,
            "walletPubkey": self.wallet,
            "useDirectRoute": True,
        }
        built: dict[str, Any] = self._post("/create-position", request)
        return built

    def submit_open(self, built: dict[str, Any]) -> AsgardPosition:
        """Sign ``build_open``'s transaction and submit it; the position once Asgard booked it."""
        return self.post_open(self.sign_open(built))

    def sign_open(self, built: dict[str, Any]) -> dict[str, Any]:
        """``build_open``'s answer with its transaction signed by the wallet (nothing submitted)."""
        return self._sign_all(built, "asgard_open_long")

    def post_open(self, signed: dict[str, Any]) -> AsgardPosition:
        """Submit ``sign_open``'s answer; the position once Asgard booked it."""
        record = self._post("/submit-create-position-tx", signed)
        position = AsgardPosition.parse(record)
        log.info("asgard: opened %s (x%s) in %s", position.pda, position.leverage, position.open_tx)
        return position

    def close(self, position_pda: str) -> CloseResult:
        request = {
            "protocol": self.protocol,
            "walletPubkey": self.wallet,
            "positionPDA": position_pda,
            "collateralType": COLLATERAL_SHORT_TOKEN,
            "jitoTipLamport": 0,
            "slippageBps": self.slippage_bps,
            "useDirectRoute": True,
        }
        built = self._post("/close-position", request)
        signed = self._sign_all(built, "asgard_close")
        answer = self._post("/submit-close-position-tx", signed)
        reported = int(answer.get("equityWithdrawnNative") or 0)
        # What the close transaction itself paid the wallet: not a balance change over a window that
        # another transaction (the user's other long closing at the same time) may also land in.
        gained = self.solana.token_change(str(answer["txHash"]), self.wallet)
        if gained is None:
            raise TransientError(f"the close of {position_pda} ({answer['txHash']}) is not on Solana yet")
        proceeds = gained
        if proceeds != reported:
            log.warning(
                "asgard: close %s reported %s USDC base units, the wallet gained %s",
                position_pda,
                reported,
                proceeds,
            )
        return CloseResult(
            AsgardPosition.parse(answer["position"]), str(answer["txHash"]), proceeds, reported
        )

    def positions(self, *, open_only: bool = True) -> list[AsgardPosition]:
        return self.positions_of(self.wallet, open_only=open_only)
