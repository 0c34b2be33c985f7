"""What the soak checks once everything settled, per user, from the venues themselves (anvil, the
Hyperliquid simulator, Solana and Asgard) against the product's own records (transfers, positions,
the risk tracking, the spend caps).

* final: every transfer and position in a final (or named failed) state; the others are listed.
* duplicates: a bridge transfer on anvil that is not the deposit's recorded one (sent twice), a
  delivery to the registered address that is not the withdrawal's recorded one; a
  withdrawal on Hyperliquid whose nonce no withdrawal of the product prepared, or one nonce applied
  twice; a Hyperliquid leg filled by more than one order (two attempts' cloids both filled, or one
  cloid placed twice); an Asgard position no leg of the product opened; exposure the records do
  not know of (a SOL position on Hyperliquid other than the open short legs, an Asgard position
  still open whose leg is not).
* overshoot: more USDC moved than the 24 h cap (what the signer counts: every USDC transfer out of
  the user's wallet on anvil, and every ``withdraw3`` out of Hyperliquid); more trades than
  the day's limit (in the risk tracking or as live positions opened); more positions at once than
  the strategy's ``max_concurrent_positions``.
* reconciliation, to the cent: ``funded + realized PnL - withdrawal fees - sent to external
  addresses = anvil USDC + Hyperliquid account value + Solana USDC + open Asgard equity``, where
  the left side is what the soak gave the user plus what the product's records say it made and
  paid, and the right side is what the venues hold. Deposits and withdrawals move money between
  the user's own venues and cancel out; the bridge keeps 1 USDC a withdrawal (the product's
  ``WITHDRAW_FEE_USDC``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests

from basis.positions.store import FINAL as POSITION_FINAL
from basis.positions.store import PositionRecord
from basis.positions.store import list_for_user as positions_of
from basis.risk import store as risk_store
from basis.strategy import store as strategy_store
from basis.strategy.limits import CAPS
from basis.transfers import store as transfer_store
from basis.transfers.store import TransferRecord
from basis.venues.hyperliquid.trader import WITHDRAW_FEE_USDC, cloid_for
from local.chains import evm_funding
from local.runtime.stack import LocalStack
from tests.soak.journey import TRANSFER_FINAL, UserRun

CENT = Decimal("0.01")
USDC_UNIT = Decimal(10**6)
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


@dataclass(frozen=True)
class Funded:
    arbitrum_usdc: Decimal
    solana_usdc: Decimal

    @property
    def total(self) -> Decimal:
        return self.arbitrum_usdc + self.solana_usdc


@dataclass
class UserAudit:
    user_id: str
    not_final: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    overshoot: list[str] = field(default_factory=list)
    states: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # "<kind>:<state>: <error>" of the failed ones
    expected: Decimal = Decimal(0)
    held: dict[str, Decimal] = field(default_factory=dict)
    records: dict[str, Decimal] = field(default_factory=dict)

    @property
    def diff(self) -> Decimal:
        return sum(self.held.values(), Decimal(0)) - self.expected

    @property
    def operations(self) -> int:
        return sum(self.states.values())


# -- anvil -------------------------------------------------------------------------------------
def _topic(address: str) -> str:
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


def usdc_transfers(stack: LocalStack, sender: str | None, recipient: str | None) -> list[tuple[str, Decimal]]:
    """``(tx hash, USDC)`` of every USDC Transfer log on anvil from ``sender`` to ``recipient``
    (None: anyone)."""
    topics = [TRANSFER_TOPIC, _topic(sender) if sender else None, _topic(recipient) if recipient else None]
    query = {"fromBlock": "0x0", "toBlock": "latest", "address": stack.evm.usdc_address, "topics": topics}
    answer = requests.post(
        stack.url("anvil"),
        json={"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [query]},
        timeout=30,
    ).json()
    return [(log["transactionHash"].lower(), int(log["data"], 16) / USDC_UNIT) for log in answer["result"]]


def usdc_balance(stack: LocalStack, address: str) -> Decimal:
    return Decimal(evm_funding.usdc_balance(stack.evm, address)) / USDC_UNIT


# -- the venues --------------------------------------------------------------------------------
def hyperliquid_value(stack: LocalStack, address: str) -> Decimal:
    answer = requests.post(
        f"{stack.url('hyperliquid')}/info", json={"type": "clearinghouseState", "user": address}, timeout=30
    ).json()
    return Decimal(answer["marginSummary"]["accountValue"])


def solana_usdc(stack: LocalStack, owner: str) -> Decimal:
    from basis.venues.solana.client import SolanaClient

    return Decimal(SolanaClient(stack.url("solana")).usdc_balance(owner)) / USDC_UNIT


def asgard_positions(stack: LocalStack, owner: str) -> list[dict[str, Any]]:
    with stack.asgard.state.lock:
        return [
            p.record(stack.asgard.price) for p in stack.asgard.state.positions.values() if p.owner == owner
        ]


def hyperliquid_szi(stack: LocalStack, address: str) -> Decimal:
    with stack.hyperliquid.state.lock:
        account = stack.hyperliquid.state.accounts.get(address.lower())
        position = account.positions.get("SOL") if account else None
        return position.szi if position else Decimal(0)


def hyperliquid_orders(stack: LocalStack, address: str) -> list[Any]:
    with stack.hyperliquid.state.lock:
        return [o for o in stack.hyperliquid.state.orders.by_oid.values() if o.user == address.lower()]


def hyperliquid_withdrawals(stack: LocalStack, address: str) -> list[Any]:
    with stack.hyperliquid.state.lock:
        return [w for w in stack.hyperliquid.state.withdrawals if w.user == address.lower()]


# -- the checks --------------------------------------------------------------------------------
def _prepared_nonce(transfer: TransferRecord) -> int | None:
    import json

    prepared = json.loads(transfer.prepared) if transfer.prepared else None
    return int(prepared["nonce"]) if isinstance(prepared, dict) and "nonce" in prepared else None


def _check_transfers(stack: LocalStack, audit: UserAudit, evm: str, transfers: list[TransferRecord]) -> None:
    for t in transfers:
        audit.states[f"{t.kind}:{t.stage}"] += 1
        if t.error:
            audit.failures[f"{t.kind}:{t.stage}: {t.error[:120]}"] += 1
        if t.stage not in TRANSFER_FINAL or t.needs_reconciliation:
            audit.not_final.append(
                f"{t.kind} {t.transfer_id} at {t.stage} (needs_reconciliation={t.needs_reconciliation})"
            )
    recorded = {t.tx_hash.lower() for t in transfers if t.kind == "deposit" and t.tx_hash}
    for tx_hash, amount in usdc_transfers(stack, evm, stack.evm.bridge_address):
        if tx_hash not in recorded:
            audit.duplicates.append(
                f"bridge transfer {tx_hash} of {amount} USDC is no deposit's recorded one"
            )
    nonces = Counter(n for t in transfers if t.kind == "withdrawal" and (n := _prepared_nonce(t)) is not None)
    applied = Counter(w.nonce for w in hyperliquid_withdrawals(stack, evm))
    for nonce, times in applied.items():
        if nonce not in nonces:
            audit.duplicates.append(f"withdraw3 with nonce {nonce} was prepared by no withdrawal")
        if times > 1:
            audit.duplicates.append(f"withdraw3 with nonce {nonce} applied {times} times")


def _check_deliveries(
    stack: LocalStack, audit: UserAudit, evm: str, destination: str, transfers: list[TransferRecord]
) -> None:
    """Every USDC transfer from the wallet to the registered address is a withdrawal's recorded delivery."""
    if not destination:
        return
    recorded = {t.delivery_tx_hash.lower() for t in transfers if t.delivery_tx_hash}
    for tx_hash, amount in usdc_transfers(stack, evm, destination):
        if tx_hash not in recorded:
            audit.duplicates.append(f"delivery {tx_hash} of {amount} USDC is no withdrawal's recorded one")


def _check_positions(
    stack: LocalStack, audit: UserAudit, evm: str, sol: str, positions: list[PositionRecord]
) -> None:
    by_cloid = Counter(o.cloid.lower() for o in hyperliquid_orders(stack, evm) if o.cloid)
    filled = {
        f["cloid"].lower() for f in stack.hyperliquid.state.fills.get(evm.lower(), []) if f.get("cloid")
    }
    legs_pdas: set[str] = set()
    for p in positions:
        audit.states[f"position:{p.status}"] += 1
        if p.error:
            audit.failures[f"position:{p.status}: {p.error[:120]}"] += 1
        if p.status not in POSITION_FINAL:
            audit.not_final.append(f"position {p.position_id} at {p.status}")
        for phase, attempts in (("open", p.short.attempt), ("close", p.short.close_attempt)):
            cloids = [cloid_for(p.position_id, "short", phase, n).lower() for n in range(1, attempts + 1)]
            for cloid in cloids:
                if by_cloid[cloid] > 1:
                    audit.duplicates.append(
                        f"{p.position_id} {phase} cloid {cloid} placed {by_cloid[cloid]} times"
                    )
            if sum(c in filled for c in cloids) > 1:
                audit.duplicates.append(
                    f"{p.position_id} short {phase} filled by {sum(c in filled for c in cloids)} orders"
                )
        legs_pdas.update(x for x in (p.long.client_id, p.long.venue_ref) if x)
    open_longs = {x for p in positions if p.long.is_open for x in (p.long.client_id, p.long.venue_ref) if x}
    for record in asgard_positions(stack, sol):
        if record["positionPda"] not in legs_pdas:
            audit.duplicates.append(f"Asgard position {record['positionPda']} opened by no leg")
        elif record["equityNative"] is not None and record["positionPda"] not in open_longs:
            audit.duplicates.append(f"Asgard position {record['positionPda']} still open, its leg is not")
    short = -sum((p.short.size or Decimal(0) for p in positions if p.short.is_open), Decimal(0))
    if (held := hyperliquid_szi(stack, evm)) != short:
        audit.duplicates.append(f"Hyperliquid holds SOL {held}, the open short legs {short}")


def _max_overlap(positions: list[PositionRecord]) -> int:
    """The most positions that were not final at once (from each one's first and final status)."""
    edges: list[tuple[datetime, int]] = []
    for p in positions:
        if not p.history:
            continue
        start = p.history[0].at
        ends = [c.at for c in p.history if c.status in POSITION_FINAL]
        edges.append((start, 1))
        if ends:
            edges.append((ends[0], -1))
    most = current = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        current += step
        most = max(most, current)
    return most


def _check_caps(
    stack: LocalStack, audit: UserAudit, evm: str, positions: list[PositionRecord], usdc_cap: Decimal
) -> None:
    on_chain = sum((amount for _, amount in usdc_transfers(stack, evm, None)), Decimal(0))
    withdrawn = sum((w.amount for w in hyperliquid_withdrawals(stack, evm)), Decimal(0))
    if on_chain + withdrawn > usdc_cap:
        audit.overshoot.append(
            f"{on_chain} USDC sent on anvil + {withdrawn} withdrawn from Hyperliquid: "
            f"over the 24 h cap of {usdc_cap}"
        )
    recorded = risk_store.get(audit.user_id).daily_trade_count
    trades = max(recorded, sum(1 for p in positions if not p.paper))
    if trades > CAPS.max_daily_trades:
        audit.overshoot.append(f"{trades} trades, over the day's {CAPS.max_daily_trades}")
    limit = min(strategy_store.get(audit.user_id).parameters.max_concurrent_positions, CAPS.max_positions)
    if (most := _max_overlap(positions)) > limit:
        audit.overshoot.append(f"{most} positions at once, over the strategy's {limit}")


def _reconcile(
    stack: LocalStack,
    audit: UserAudit,
    evm: str,
    sol: str,
    funded: Funded,
    transfers: list[TransferRecord],
    positions: list[PositionRecord],
) -> None:
    realized = sum((p.realized_pnl_usd or Decimal(0) for p in positions), Decimal(0))
    withdrawn = [t for t in transfers if t.kind == "withdrawal" and t.tx_hash]
    fees = WITHDRAW_FEE_USDC * len(withdrawn)
    external = sum(
        (t.amount_usdc - WITHDRAW_FEE_USDC for t in withdrawn if t.destination and t.delivery_tx_hash),
        Decimal(0),
    )
    audit.records = {
        "funded": funded.total,
        "realized_pnl": realized,
        "withdrawal_fees": -fees,
        "external": -external,
    }
    audit.expected = funded.total + realized - fees - external
    open_equity = sum(
        (
            Decimal(r["equityNative"]) / USDC_UNIT
            for r in asgard_positions(stack, sol)
            if r["equityNative"] is not None
        ),
        Decimal(0),
    )
    audit.held = {
        "anvil_usdc": usdc_balance(stack, evm),
        "hyperliquid_value": hyperliquid_value(stack, evm),
        "solana_usdc": solana_usdc(stack, sol),
        "asgard_open_equity": open_equity,
    }


def audit_user(stack: LocalStack, user: UserRun, funded: Funded, usdc_cap: Decimal) -> UserAudit:
    user_id, evm, sol = user.user_id, user.evm_address, user.solana_address
    audit = UserAudit(user_id)
    transfers = transfer_store.list_for_user(user_id)
    positions = positions_of(user_id)
    _check_transfers(stack, audit, evm, transfers)
    _check_deliveries(stack, audit, evm, user.destination, transfers)
    _check_positions(stack, audit, evm, sol, positions)
    _check_caps(stack, audit, evm, positions, usdc_cap)
    _reconcile(stack, audit, evm, sol, funded, transfers, positions)
    return audit
