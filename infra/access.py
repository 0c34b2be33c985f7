"""What each function may touch: the least-privilege grants CDK attaches to its role.

Tables are named by their ``table_suffix``. Keep this next to ``catalog.FUNCTIONS``: a function
missing here gets no table, queue, bus or secret access at all (a test checks every catalog
function is listed).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Access:
    read: tuple[str, ...] = ()
    read_write: tuple[str, ...] = ()
    send_to: tuple[str, ...] = ()  # queues (catalog names)
    put_events: bool = False  # on the product's event bus
    start_executions: tuple[str, ...] = ()  # state machines (catalog names)
    # state machines whose executions it lists and describes (catalog names)
    list_executions: tuple[str, ...] = ()
    secret: bool = False  # read the deployment's Secrets Manager secret
    # SSM parameters read (ssm:GetParameter), by name under /basis/<stage>/ (e.g. "privy").
    parameters: tuple[str, ...] = ()


FUNCTION_ACCESS: dict[str, Access] = {
    # The kill switch (control) is engaged and lifted here; resuming re-bases the risk state.
    "api": Access(
        read=("signing_ledger",),
        read_write=(
            "users",
            "claims",
            "strategy_configs",
            "risk_tracking",
            "transfers",
            "spend_windows",
            "control",
            "positions",
        ),
        put_events=True,
        start_executions=("deposit-saga", "withdrawal-saga", "hedge-close-saga"),
        list_executions=("deposit-saga",),  # the admin health route: failed sagas
        secret=True,
        parameters=("privy",),  # withdrawal addresses: the platform's key quorum and shared policy
    ),
    "authorizer": Access(read=("users",), secret=True),
    "scan_dispatcher": Access(read=("strategy_configs",), read_write=("control",), send_to=("scan",)),
    # Strategies and their pauses, the risk counts, the user's lease and slot claims (claims), the
    # kill switch and the scan's heartbeat (control), the user's wallets for live balances (users),
    # the positions it counts and opens (the row first, then the hedge open saga).
    "scan_worker": Access(
        read=("users",),
        read_write=("strategy_configs", "risk_tracking", "claims", "control", "positions"),
        start_executions=("hedge-open-saga",),
    ),
    "monitor_dispatcher": Access(read=("risk_tracking",), read_write=("control",), send_to=("monitor",)),
    # The user's positions and wallets (valuation), strategy (thresholds; a failure may pause it),
    # risk row (timers, watch, failures), lease and slot claims, kill switch and heartbeat; exits
    # start the close saga.
    "monitor_worker": Access(
        read=("users",),
        read_write=("positions", "strategy_configs", "risk_tracking", "claims", "control"),
        start_executions=("hedge-close-saga",),
    ),
    # Signs the Bridge2 transfer (ledger, caps, breaker, kill switch), tops gas up (funder key,
    # leases), raises the risk peak once credited.
    "deposit_saga": Access(
        read=("users",),
        read_write=("transfers", "claims", "signing_ledger", "spend_windows", "control", "risk_tracking"),
        secret=True,
    ),
    # Signs withdraw3 (ledger, caps, breaker, kill switch), allocates its Hyperliquid nonce
    # (control), scales the risk peak once paid out.
    "withdrawal_saga": Access(
        read=("users",),
        read_write=("transfers", "claims", "signing_ledger", "spend_windows", "control", "risk_tracking"),
        secret=True,
    ),
    # Reads the user's wallets, signs orders and transactions (ledger, caps, breaker, nonces in
    # control), writes the position; a close asked for while opening starts the close saga. An open
    # marks the user for the monitor (risk_tracking), a close is noted on the strategy.
    "hedge_saga": Access(
        read=("users",),
        read_write=(
            "positions",
            "claims",
            "signing_ledger",
            "spend_windows",
            "control",
            "risk_tracking",
            "strategy_configs",
        ),
        start_executions=("hedge-close-saga",),
        secret=True,
    ),
    "gas_dispatcher": Access(read=("users",), read_write=("control",), send_to=("gas",)),
    # Claims: the per-user top-up window and the funder's nonce turn; the secret: the funder key.
    "gas_funder": Access(read_write=("claims",), secret=True),
    # Resolves unknown sends and stuck deposits/withdrawals from the chain (the user's address),
    # settles stale cap reservations, moves the risk peak of a settled transfer, reads the sagas'
    # executions and re-drives them (a deposit's send, a withdrawal's delivery).
    "reconciler": Access(
        read=("users",),
        read_write=("transfers", "spend_windows", "risk_tracking"),
        start_executions=("deposit-saga", "withdrawal-saga"),
        list_executions=("deposit-saga", "withdrawal-saga"),
    ),
    "provision_wallets": Access(
        read_write=("users", "claims"),
        secret=True,
        parameters=("privy",),  # basis.privy.ids: policy ids and key quorum
    ),
}
