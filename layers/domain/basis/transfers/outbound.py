"""Transfers out of a user's server wallet, signed by the user's own authority (self-custody).

The caller's Privy access token is exchanged (by privy-client) for a time-bound user key, so Privy
applies the *owner's* authority: the platform's signer and its policy play no part, and the
platform caps do not count the user's own money. Before anything is signed, what would fail is
refused with a 4xx (``basis.platform.errors``): an unknown asset for the chain, a malformed or
badly checksummed EVM address, a malformed Solana address, an amount finer than the asset's
decimals or zero, the wallet lacking the asset or the fee (and, for USDC on Solana, the rent of the
recipient's token account, which is created in the same transaction and paid by the wallet).

``Idempotency-Key``: the transfer id is derived from it, the unsigned transaction is stored before
it is sent and sent with the transfer id as Privy's idempotency key; a retried request returns the
first answer, and one that finds the first still working (its lease) answers 409. An outcome Privy
did not confirm (timeout, 5xx) leaves the transfer in progress: retrying with the same key resends
the same transaction under the same Privy key, which Privy answers once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Protocol

from basis.chains.addresses import evm_address, solana_address
from basis.chains.amounts import ETH_DECIMALS, SOL_DECIMALS, USDC_DECIMALS, to_base_units
from basis.identity import users
from basis.platform.config import get_settings
from basis.platform.errors import (
    AmountRefusedError,
    BasisError,
    ConflictError,
    RefusedError,
    ValidationRefusedError,
)
from basis.platform.observability import logger
from basis.policies.settings import get_policy_settings
from basis.signing.errors import OutcomeUnknownError, SigningError
from basis.signing.signer import PrivyWalletSigner
from basis.transfers import outbound_store
from basis.transfers.outbound_store import SENT, Outbound

ASSETS: dict[str, dict[str, int]] = {
    "ethereum": {"USDC": USDC_DECIMALS, "ETH": ETH_DECIMALS},
    "solana": {"USDC": USDC_DECIMALS, "SOL": SOL_DECIMALS},
}
LEASE_SECONDS = 60.0


class TransferFailedError(RefusedError, code="transfer_failed"):
    """The transfer this Idempotency-Key stands for failed; its first answer, repeated."""


@dataclass(frozen=True)
class TransferOut:
    chain: str
    asset: str
    amount: str
    to: str


@dataclass(frozen=True)
class TransferOutResult:
    id: str
    chain: str
    asset: str
    amount: str
    to: str
    stage: str
    tx_hash: str | None


class Sender(Protocol):
    def prepare(self, asset: str, units: int, to: str) -> str: ...

    def send(self, prepared: str, *, idempotency_key: str) -> str: ...


def destination(chain: str, to: str) -> str:
    """``to`` as the chain writes it, or ``ValidationRefusedError``."""
    return evm_address(to, "to") if chain == "ethereum" else solana_address(to, "to")


def base_units(request: TransferOut) -> int:
    decimals = ASSETS.get(request.chain, {}).get(request.asset)
    if decimals is None:
        raise ValidationRefusedError(
            f"{request.asset} cannot be sent on {request.chain}: "
            f"{', '.join(ASSETS.get(request.chain, {})) or 'unknown chain'}",
            field="asset",
        )
    units = to_base_units(request.amount, decimals)
    if units == 0:
        raise AmountRefusedError("the amount must be more than zero", field="amount")
    return units


def transfer_id(user_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"out-{uuid.uuid4().hex}"
    return "out-" + hashlib.sha256(f"{user_id}\n{idempotency_key}".encode()).hexdigest()[:32]


def send(
    user_id: str, access_token: str, request: TransferOut, idempotency_key: str | None
) -> TransferOutResult:
    units = base_units(request)
    to = destination(request.chain, request.to)
    fingerprint = hashlib.sha256(json.dumps([request.chain, request.asset, units, to]).encode()).hexdigest()
    what = (request.chain, request.asset, request.amount, to, fingerprint)
    row, held = outbound_store.claim(user_id, transfer_id(user_id, idempotency_key), what, LEASE_SECONDS)
    if row.request_hash != fingerprint:
        raise ConflictError("this Idempotency-Key was used for another transfer: use a new key")
    if row.stage == SENT:
        return _result(row)
    if row.error is not None:
        raise TransferFailedError(f"this transfer failed: {row.error}", id=row.transfer_id)
    if not held:
        raise ConflictError("a transfer with this Idempotency-Key is in progress: retry in a few seconds")
    return _result(_complete(row, _sender(user_id, access_token, request.chain), units))


def _complete(row: Outbound, sender: Sender, units: int) -> Outbound:
    prepared = row.prepared
    if prepared is None:
        try:
            prepared = sender.prepare(row.asset, units, row.destination)
        except BasisError:
            outbound_store.forget(row)  # refused before signing: nothing happened
            raise
        row = outbound_store.record_prepared(row, prepared)
    try:
        tx_hash = sender.send(prepared, idempotency_key=row.transfer_id)
    except OutcomeUnknownError:
        logger.warning("transfer out: outcome unknown", extra={"transfer_id": row.transfer_id})
        raise  # stays in progress: a retry resends the same transaction under the same key
    except SigningError as exc:
        outbound_store.record_failed(row, exc.message)
        raise
    logger.info("transfer out sent", extra={"transfer_id": row.transfer_id, "tx_hash": tx_hash})
    return outbound_store.record_sent(row, tx_hash)


def _result(row: Outbound) -> TransferOutResult:
    return TransferOutResult(
        row.transfer_id, row.chain, row.asset, row.amount, row.destination, row.stage, row.tx_hash
    )


def _sender(user_id: str, access_token: str, chain: str) -> Sender:
    wallets = users.require(user_id).wallets
    wallet_id = wallets.evm_wallet_id if chain == "ethereum" else wallets.solana_wallet_id
    address = wallets.evm_address if chain == "ethereum" else wallets.solana_address
    if not wallet_id or not address:
        raise ConflictError(f"the {chain} server wallet is not ready yet: retry once it is")
    signer = PrivyWalletSigner(user_id, wallet_id, address, chain, user_access_token=access_token)
    return EvmSender(signer) if chain == "ethereum" else SolanaSender(signer)


class EvmSender:
    def __init__(self, signer: PrivyWalletSigner) -> None:
        from basis.venues.arbitrum.client import ArbitrumClient

        policy = get_policy_settings()
        self.client = ArbitrumClient(
            str(get_settings().arbitrum_rpc_url),
            signer,
            policy.arbitrum_usdc_address,
            policy.hyperliquid_bridge_address,
            policy_settings=policy,
        )

    def prepare(self, asset: str, units: int, to: str) -> str:
        return json.dumps(self.client.prepare_transfer(asset, units, to))

    def send(self, prepared: str, *, idempotency_key: str) -> str:
        return self.client.send_prepared(
            json.loads(prepared), action="transfer_out", idempotency_key=idempotency_key
        )


class SolanaSender:
    def __init__(self, signer: PrivyWalletSigner) -> None:
        from basis.venues.solana.client import SolanaClient

        self.signer = signer
        self.client = SolanaClient(str(get_settings().solana_rpc_url))

    def prepare(self, asset: str, units: int, to: str) -> str:
        from basis.venues.solana import transfers

        wallet = str(self.signer.wallet_address)
        return transfers.prepare(
            self.client, wallet, asset, units, to, usdc_mint=get_policy_settings().solana_usdc_mint
        )

    def send(self, prepared: str, *, idempotency_key: str) -> str:
        return self.signer.sign_and_send_solana_transaction(
            prepared, action="transfer_out", idempotency_key=idempotency_key
        )
