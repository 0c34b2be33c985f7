"""What the product deploys, declared once in plain Python.

CDK (``infra/stacks``) and the embedded local stack (``local/``) both read this module, and the
PynamoDB models in ``basis.models`` are the table schema, so the two cannot drift apart; a test
compares the synthesized template with what the local stack creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
STATE_MACHINES_DIR = ROOT / "state_machines"


@dataclass(frozen=True)
class Function:
    """A Lambda entry point: ``functions/<name>/handler.py`` exposing ``handler``."""

    name: str
    description: str
    # "base" layer for every function; "chain" only where it signs or touches chains.
    layers: tuple[str, ...] = ("base",)
    timeout_seconds: int = 30
    memory_mb: int = 512
    # Queue this function consumes (SQS event source, partial batch failure), and how many
    # messages one invocation gets (CDK's event source and the local poller both read it).
    consumes: str | None = None
    batch_size: int = 10

    @property
    def handler_path(self) -> Path:
        return FUNCTIONS_DIR / self.name / "handler.py"


@dataclass(frozen=True)
class Queue:
    name: str
    visibility_timeout_seconds: int = 60
    max_receive_count: int = 3


@dataclass(frozen=True)
class Schedule:
    """An EventBridge schedule firing ``target`` every ``rate_minutes``."""

    name: str
    rate_minutes: int
    target: str
    description: str


@dataclass(frozen=True)
class EventRule:
    """A rule on the product's event bus delivering matching events to a queue."""

    name: str
    source: str
    detail_type: str
    queue: str


@dataclass(frozen=True)
class StateMachine:
    """An ASL file in ``state_machines/``; ``${Fn_<name>}`` placeholders become function ARNs."""

    name: str
    definition: str
    functions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def path(self) -> Path:
        return STATE_MACHINES_DIR / self.definition


# API paths served without the authorizer (everything else under /api/v1 needs a token).
API_PREFIX = "/api/v1"
PUBLIC_PATHS: tuple[str, ...] = (f"{API_PREFIX}/health", f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs")


@dataclass(frozen=True)
class GatewayResponse:
    """What API Gateway itself answers (before or instead of the API function), in the API's error
    shape. ``kind`` is API Gateway's response type; CDK installs these, the local gateway serves them."""

    kind: str
    status: int
    code: str
    message: str

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


GATEWAY_RESPONSES: tuple[GatewayResponse, ...] = (
    GatewayResponse("UNAUTHORIZED", 401, "unauthorized", "a valid bearer token is required"),
    GatewayResponse("ACCESS_DENIED", 403, "forbidden", "this token may not call this resource"),
    # API Gateway's answer for a path or method it has no resource for.
    GatewayResponse("MISSING_AUTHENTICATION_TOKEN", 403, "no_resource", "no such resource"),
    GatewayResponse("AUTHORIZER_FAILURE", 500, "authorizer_error", "the authorizer failed; retry later"),
    GatewayResponse("REQUEST_TOO_LARGE", 413, "payload_too_large", "the body is larger than 10 MB"),
    GatewayResponse("DEFAULT_5XX", 502, "bad_gateway", "the API did not answer properly; it has been logged"),
)


def gateway_response(kind: str) -> GatewayResponse:
    for response in GATEWAY_RESPONSES:
        if response.kind == kind:
            return response
    raise KeyError(f"no gateway response {kind!r} in infra/catalog.py")


FUNCTIONS: tuple[Function, ...] = (
    # The chain layer for transfers out (web3, solders, privy-client), imported only by that route.
    Function(
        "api",
        "REST API: health, OpenAPI, auth, wallets, funding, positions",
        layers=("base", "chain"),
        timeout_seconds=29,
    ),
    Function(
        "authorizer",
        "API Gateway Lambda authorizer: Privy ES256 tokens and internal HS256 JWTs",
        timeout_seconds=10,
        memory_mb=256,
    ),
    # Reads Hyperliquid's funding and prices once per cycle (the venue client: the chain layer).
    Function(
        "scan_dispatcher",
        "Scheduled: read the market once, enqueue one funding-rate scan per enabled user",
        layers=("base", "chain"),
        timeout_seconds=60,
    ),
    # Reads the venues' balances of live strategies and starts hedges (the chain layer).
    Function(
        "scan_worker",
        "Evaluates each enabled user's strategy for an entry (scan queue)",
        layers=("base", "chain"),
        # Per message: a few DynamoDB reads, at most three venue reads (10 s timeouts) to size a
        # live entry, and the start of its hedge.
        timeout_seconds=90,
        consumes="scan",
        batch_size=10,
    ),
    # Reads Hyperliquid's funding and prices once per cycle (the venue client: the chain layer).
    Function(
        "monitor_dispatcher",
        "Scheduled: read the market once, enqueue one position check per user with positions to watch",
        layers=("base", "chain"),
        timeout_seconds=60,
    ),
    # Values positions at both venues (the venue clients: the chain layer) and starts close sagas.
    Function(
        "monitor_worker",
        "Judges each watched user's open positions for an exit (monitor queue)",
        layers=("base", "chain"),
        # Per message: a few DynamoDB reads and per open position (at most 3) four venue reads (10 s
        # timeouts), then the start of each exit's close saga.
        timeout_seconds=120,
        consumes="monitor",
        batch_size=5,
    ),
    # Signs through Privy and reads Arbitrum and Hyperliquid: the chain layer.
    Function(
        "deposit_saga",
        "Step Functions task steps of the deposit saga",
        layers=("base", "chain"),
        timeout_seconds=60,
    ),
    # Signs withdraw3 through Privy, reads Hyperliquid's ledger and Arbitrum's payouts.
    Function(
        "withdrawal_saga",
        "Step Functions task steps of the withdrawal saga",
        layers=("base", "chain"),
        timeout_seconds=60,
    ),
    # Signs Hyperliquid orders and Asgard transactions through Privy (paper positions: nothing).
    Function(
        "hedge_saga",
        "Step Functions task steps of the hedge open and close sagas (Hyperliquid short, Asgard long)",
        layers=("base", "chain"),
        timeout_seconds=60,
    ),
    Function(
        "provision_wallets",
        "Creates a user's Privy server wallets (WalletsRequested events)",
        layers=("base", "chain"),
        timeout_seconds=20,
        consumes="provisioning",
        # Up to two Privy calls (10 s timeouts) per message: one message per 20 s invocation.
        batch_size=1,
    ),
    Function(
        "gas_dispatcher",
        "Scheduled: enqueue one gas check per user with an EVM server wallet; counts incomplete wallets",
        timeout_seconds=60,
    ),
    Function(
        "gas_funder",
        "Tops up users' EVM server wallets with ETH for gas from the platform funder (gas queue)",
        layers=("base", "chain"),
        # Per message: the funder-wide send lease (waited up to 60 s) and the receipt (up to 60 s).
        timeout_seconds=180,
        consumes="gas",
        batch_size=5,
    ),
    # Resolves from the chain what the sagas could not (the chain layer's venue clients).
    Function(
        "reconciler",
        "Scheduled: unknown send outcomes, stuck deposits and withdrawals, stale cap reservations",
        layers=("base", "chain"),
        timeout_seconds=120,
    ),
)

QUEUES: tuple[Queue, ...] = (
    # Above the worker's timeout; a scan is not retried for long (a stale slot is dropped anyway).
    Queue("scan", visibility_timeout_seconds=120),
    # Above the monitor worker's timeout; a slot is not retried for long (the next minute's is fresh).
    Queue("monitor", visibility_timeout_seconds=150),
    # The consumer backs off by shortening/lengthening each failed message's visibility (5 s, 10 s,
    # ... 300 s), so a Privy outage is retried for about half an hour before the DLQ.
    Queue("provisioning", visibility_timeout_seconds=30, max_receive_count=12),
    # At least the gas funder's timeout; a user whose top-up keeps failing reaches the DLQ (alarm).
    Queue("gas", visibility_timeout_seconds=180, max_receive_count=3),
)

# The product's own EventBridge bus (physical name basis-<stage>-events) and its rules.
EVENT_BUS = "events"
EVENT_RULES: tuple[EventRule, ...] = (
    EventRule("wallets-requested", source="basis.auth", detail_type="WalletsRequested", queue="provisioning"),
)

SCHEDULES: tuple[Schedule, ...] = (
    Schedule("scan", 1, "scan_dispatcher", "Per-user funding-rate scan fan-out"),
    Schedule("monitor", 1, "monitor_dispatcher", "Per-user position monitor fan-out (exits)"),
    Schedule("gas", 10, "gas_dispatcher", "Gas top-ups of EVM server wallets; incomplete-wallets check"),
    Schedule(
        "reconcile",
        5,
        "reconciler",
        "Unknown sends resolved from the chain; stuck deposits/withdrawals re-polled; stale caps settled",
    ),
)

STATE_MACHINES: tuple[StateMachine, ...] = (
    StateMachine("deposit-saga", "deposit_saga.asl.json", functions=("deposit_saga",)),
    StateMachine("withdrawal-saga", "withdrawal_saga.asl.json", functions=("withdrawal_saga",)),
    StateMachine("hedge-open-saga", "hedge_open_saga.asl.json", functions=("hedge_saga",)),
    StateMachine("hedge-close-saga", "hedge_close_saga.asl.json", functions=("hedge_saga",)),
)


def function(name: str) -> Function:
    for fn in FUNCTIONS:
        if fn.name == name:
            return fn
    raise KeyError(f"no function named {name!r} in infra/catalog.py")
