"""The embedded local stack: every service on 127.0.0.1, wired by configuration only.

The product code runs in this process (the Lambda shim and the gateway call the real handlers),
configured through the same ``BASIS_*`` environment variables CDK sets on AWS.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.catalog import EVENT_BUS
from local.aws import function_logs
from local.aws.dynamodb import DynamoDBLocal
from local.aws.lambdas import LocalLambdas
from local.chains.dev_accounts import GAS_FUNDER
from local.runtime import state
from local.runtime.httpservice import ServedApp
from local.runtime.logs import StackLogs

STAGE = "local"
PREFIX = f"basis-{STAGE}-"
# Origins a browser app may call the API from (API Gateway's CORS configuration on AWS).
DEFAULT_CORS_ORIGINS = "http://localhost:3000"
# A JSON file of secret values to use instead of the ones made per run (e.g. known values a test
# scans the logs for): any of the deployment secret's fields.
SECRETS_FILE_VARIABLE = "BASIS_LOCAL_SECRETS_FILE"
# ETH the gas funder is given on the local chain (a configured funder key is a fresh account).
GAS_FUNDER_WEI = 1000 * 10**18


@dataclass
class StackTimings:
    steps: dict[str, float] = field(default_factory=dict)

    def mark(self, name: str, started: float) -> None:
        self.steps[name] = round(time.perf_counter() - started, 3)

    @property
    def total(self) -> float:
        return self.steps.get("total", 0.0)


def _new_authorization_key() -> str:
    """A P-256 private key, base64 DER PKCS#8: the platform's Privy authorization key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(der).decode()


def configured_secrets() -> dict[str, str]:
    """The secret values ``BASIS_LOCAL_SECRETS_FILE`` gives, if it is set."""
    from basis.platform.secrets import Secrets

    path = os.environ.get(SECRETS_FILE_VARIABLE)
    if not path:
        return {}
    values: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
    unknown = sorted(set(values) - set(Secrets.model_fields))
    if unknown:
        raise ValueError(f"{SECRETS_FILE_VARIABLE}: not fields of the secret: {', '.join(unknown)}")
    return values


class LocalStack:
    def __init__(
        self,
        ports: dict[str, int],
        *,
        speed: float = 1.0,
        schedules: bool = True,
        log_dir: Path | None = None,
        verbose: bool = False,
    ) -> None:
        self.ports = dict(ports)
        self.speed = speed
        self.run_schedules = schedules
        self.log_dir = log_dir or state.STATE_DIR / "logs"
        self.logs = StackLogs(self.log_dir, verbose=verbose)
        self.lambdas = LocalLambdas(PREFIX)
        self.timings = StackTimings()
        self.served: dict[str, ServedApp] = {}
        self.dynamodb: DynamoDBLocal | None = None
        self.anvil: Any = None
        self.evm: Any = None
        self.hyperliquid: Any = None
        self.solana: Any = None
        self.asgard: Any = None
        self.bridge_watcher: Any = None
        self.payouts: Any = None
        self.resources: Any = None
        self.scheduler: Any = None
        self.poller: Any = None
        self.privy_app_id = "basis-local-app"
        self.privy: Any = None
        self.privy_ids: Any = None
        self._secret_values = {
            "privy_app_secret": secrets.token_urlsafe(24),
            "internal_jwt_secret": secrets.token_urlsafe(48),
            "privy_authorization_key": _new_authorization_key(),
            "gas_funder_private_key": GAS_FUNDER.private_key,  # a public anvil dev key
            **configured_secrets(),
        }

    # -- configuration ---------------------------------------------------------------------------
    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def environment(self) -> dict[str, str]:
        """What the product reads: the same variables CDK sets, pointing at local endpoints."""
        env = {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "MOTO_PORT": str(self.ports["aws"]),
            "POWERTOOLS_DEV": "false",
            "BASIS_STAGE": STAGE,
            "BASIS_AWS_ENDPOINT_URL": self.url("aws"),
            "BASIS_DYNAMODB_ENDPOINT_URL": self.url("dynamodb"),
            "BASIS_TABLE_PREFIX": PREFIX,
            "BASIS_PRIVY_API_URL": self.url("privy"),
            "BASIS_PRIVY_APP_ID": self.privy_app_id,
            "BASIS_HYPERLIQUID_API_URL": self.url("hyperliquid"),
            "BASIS_ARBITRUM_RPC_URL": self.url("anvil"),
            "BASIS_SOLANA_RPC_URL": self.url("solana"),
            "BASIS_ASGARD_API_URL": self.url("asgard"),
            "BASIS_SECRET_NAME": f"{PREFIX}secrets",
            "BASIS_EVENT_BUS_NAME": f"{PREFIX}{EVENT_BUS}",
            "BASIS_CORS_ALLOWED_ORIGINS": os.environ.get("BASIS_CORS_ALLOWED_ORIGINS", DEFAULT_CORS_ORIGINS),
            "BASIS_DEPOSIT_CREDIT_POLL_SECONDS": "1",  # the bridge watcher credits within a second
            "BASIS_WITHDRAWAL_PAYOUT_POLL_SECONDS": "1",  # the bridge pays out within seconds
        }
        if self.resources is not None:
            for queue in ("scan", "monitor", "gas"):  # the fan-outs' queues
                env[f"BASIS_{queue.upper()}_QUEUE_URL"] = self.resources.queues[queue]["url"]
            for machine, arn in self.resources.state_machines.items():  # as CDK names them
                env[f"BASIS_{machine.replace('-', '_').upper()}_ARN"] = arn
        if self.privy is not None:
            env["BASIS_PRIVY_VERIFICATION_KEY"] = self.privy.verification_key
        return env

    def _apply_environment(self) -> None:
        from basis.platform.config import get_settings

        os.environ.update(self.environment())
        get_settings.cache_clear()

    # -- lifecycle -------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        import boto3

        endpoint = self.url("dynamodb") if service == "dynamodb" else self.url("aws")
        return boto3.client(  # type: ignore[call-overload]
            service,
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local stack accepts any key
        )

    def start(self) -> LocalStack:
        """Start everything; on any failure, stop what already started and re-raise."""
        begin = time.perf_counter()
        self.logs.start()
        try:
            with function_logs.scope(function_logs.Scope("stack-setup")):
                self._start_services()
        except BaseException:
            self.stop()
            raise
        self.timings.mark("total", begin)
        return self

    def _start_services(self) -> None:
        self._apply_environment()
        self.dynamodb = DynamoDBLocal(self.ports["dynamodb"], self.log_dir)
        self.dynamodb.launch()  # Java takes ~2 s: bring the rest up meanwhile
        self._serve_aws()
        self._start_chains()
        self._start_privy()
        self._create_aws_resources()
        self.timings.steps["dynamodb"] = round(self.dynamodb.wait_listening(), 3)
        self._create_tables()
        self._apply_environment()  # now with queue URLs, ARNs and the Privy verification key
        self._set_up_privy()
        self._serve_api()

    def _serve_aws(self) -> None:
        from local.aws.endpoint import create_aws_app

        step = time.perf_counter()
        self.served["aws"] = ServedApp(create_aws_app(self.lambdas), self.ports["aws"], "aws").start()
        self.timings.mark("aws", step)

    def _create_aws_resources(self) -> None:
        from basis.platform.config import get_settings
        from local.aws.resources import (
            CreatedResources,
            create_event_bus,
            create_queues,
            create_secret,
            create_state_machines,
        )

        step = time.perf_counter()
        resources = CreatedResources()
        resources.queues = create_queues(self.client("sqs"), PREFIX)
        resources.event_bus = create_event_bus(self.client("events"), PREFIX, resources.queues)
        resources.state_machines = create_state_machines(self.client("stepfunctions"), PREFIX, self.lambdas)
        resources.secret_name = create_secret(
            self.client("secretsmanager"), get_settings().secret_name, self._secret_values
        )
        self.resources = resources
        self.timings.mark("aws_resources", step)

    def _create_tables(self) -> None:
        from basis.platform.runtime import bootstrap
        from local.aws.resources import create_tables

        step = time.perf_counter()
        bootstrap()
        self.resources.tables = create_tables(self.client("dynamodb"))
        self.timings.mark("tables", step)

    def _start_privy(self) -> None:
        from local.privy import PrivyEmulator

        step = time.perf_counter()
        self.privy = PrivyEmulator(
            self.privy_app_id,
            self._secret_values["privy_app_secret"],
            evm_rpc_url=self.url("anvil"),
            solana_rpc_url=self.url("solana"),
        )
        self.served["privy"] = ServedApp(self.privy, self.ports["privy"], "privy").start()
        self.timings.mark("privy", step)

    def _set_up_privy(self) -> None:
        """What an operator does once per deployment: key quorum, policies, ids in SSM."""
        from basis.privy.client import privy_client
        from tools.privy_setup import create

        step = time.perf_counter()
        self.privy_ids, _ = create(privy_client(), self._secret_values["privy_authorization_key"], STAGE)
        self.timings.mark("privy_setup", step)

    def _serve_api(self) -> None:
        from local.aws.cors import CorsPolicy, parse_origins
        from local.aws.gateway import LocalGateway
        from local.aws.scheduler import LocalScheduler
        from local.aws.sqs_poller import SqsPoller

        step = time.perf_counter()
        cors = CorsPolicy(parse_origins(self.environment()["BASIS_CORS_ALLOWED_ORIGINS"]))
        gateway = LocalGateway(self.lambdas, cors)
        self.served["api"] = ServedApp(gateway, self.ports["api"], "api").start()
        self.served["api-control"] = ServedApp(
            gateway.controls, self.ports["api-control"], "api-control"
        ).start()
        self.scheduler = LocalScheduler(self.lambdas, speed=self.speed)
        self.poller = SqsPoller(self.lambdas, self.client("sqs"), self.resources.queues)
        if self.run_schedules:
            self.scheduler.start()
        self.poller.start()
        self.timings.mark("api", step)

    def _start_chains(self) -> None:
        from local.chains.anvil import Anvil
        from local.chains.evm_deploy import deploy

        step = time.perf_counter()
        # block_time=1 keeps block timestamps moving between transactions (bridge dispute delays).
        self.anvil = Anvil(self.log_dir)
        self.anvil.start(self.ports["anvil"], block_time=1)
        self.evm = deploy(self.anvil.rpc_url)
        self._fund_gas_funder()
        self.timings.mark("anvil", step)
        self._start_solana()
        self._start_asgard()
        self._start_hyperliquid()

    def _fund_gas_funder(self) -> None:
        from eth_account import Account

        from local.chains.evm_funding import fund_eth

        funder = Account.from_key(self._secret_values["gas_funder_private_key"]).address
        fund_eth(self.anvil.rpc_url, funder, GAS_FUNDER_WEI)

    def _start_solana(self) -> None:
        from local.chains.solana_rpc import SolanaRpc

        step = time.perf_counter()
        self.solana = SolanaRpc()
        self.served["solana"] = ServedApp(self.solana, self.ports["solana"], "solana").start()
        self.timings.mark("solana", step)

    def _start_asgard(self) -> None:
        from basis.policies.settings import PolicySettings
        from local.asgard import AsgardSimulator

        step = time.perf_counter()
        self.asgard = AsgardSimulator(self.solana, program_id=PolicySettings().asgard_program_id)
        self.served["asgard"] = ServedApp(self.asgard, self.ports["asgard"], "asgard").start()
        self.timings.mark("asgard", step)

    def _start_hyperliquid(self) -> None:
        from local.hyperliquid.bridge_payouts import BridgePayouts
        from local.hyperliquid.bridge_watcher import BridgeWatcher
        from local.hyperliquid.nonces import Clock
        from local.hyperliquid.simulator import HyperliquidSimulator

        step = time.perf_counter()
        # Nonces judged by wall time: the SDK stamps them so, even when --speed accrues funding faster.
        self.hyperliquid = HyperliquidSimulator(nonce_clock=Clock())
        self.payouts = BridgePayouts(self.evm, self.hyperliquid)
        self.hyperliquid.on_withdrawal = self.payouts
        self.served["hyperliquid"] = ServedApp(
            self.hyperliquid, self.ports["hyperliquid"], "hyperliquid"
        ).start()
        self.bridge_watcher = BridgeWatcher(
            self.evm.rpc_url, self.evm.usdc_address, self.evm.bridge_address, self.hyperliquid.credit_deposit
        )
        self.bridge_watcher.start()
        self.timings.mark("hyperliquid", step)

    def stop(self) -> None:
        for part in (self.scheduler, self.poller, self.bridge_watcher, self.payouts):
            if part is not None:
                part.stop()
        for served in reversed(list(self.served.values())):
            served.stop()
        self.served.clear()
        if self.anvil is not None:
            self.anvil.stop()
            self.anvil = None
        if self.dynamodb is not None:
            self.dynamodb.stop()
            self.dynamodb = None
        self.logs.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def describe(self) -> dict[str, Any]:
        return {
            "urls": {name: self.url(name) for name in self.ports},
            "pids": {
                "stack": os.getpid(),
                "dynamodb": self.dynamodb.pid if self.dynamodb else None,
                "anvil": self.anvil.pid if self.anvil else None,
            },
            "startup_seconds": self.timings.steps,
            "logs": str(self.log_dir),
        }
