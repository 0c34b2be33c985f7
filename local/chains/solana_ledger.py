"""One LiteSVM as a small Solana cluster: a wall-clock slot, rolling blockhashes, landed transactions.

LiteSVM is not thread-safe, so every use of it holds ``SolanaLedger.lock``. LiteSVM itself only
accepts its latest blockhash; the ledger turns its blockhash check off and does the cluster's own:
a new blockhash every slot (400 ms), each valid for 150 slots. It keeps a record of every landed
transaction (slot, time, fee, logs, lamport and token balances before and after) for
``getSignatureStatuses`` / ``getTransaction``. A USDC mint (6 decimals) sits at a fixed address,
with a mint authority and a faucet whose keys the ledger holds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from solders.account import Account
from solders.clock import Clock
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from local.chains import solana_spl as spl
from local.chains.solana_codec import failure_json, ui_token_amount

USDC_MINT = Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")  # mainnet USDC's address
USDC_DECIMALS = 6
LOCAL_USDC_AUTHORITY = Keypair.from_seed(hashlib.sha256(b"basis-local/solana/usdc-mint-authority").digest())
LOCAL_FAUCET = Keypair.from_seed(hashlib.sha256(b"basis-local/solana/faucet").digest())
LAMPORTS_PER_SOL = 1_000_000_000
BLOCKHASH_VALID_SLOTS = 150
_FAUCET_LAMPORTS = 10**18
_AUTHORITY_LAMPORTS = 1_000 * LAMPORTS_PER_SOL


class RejectedTransactionError(Exception):
    """The transaction did not land (preflight failure, bad signature, stale blockhash...)."""

    def __init__(
        self, err: Any, logs: list[str] | None = None, units: int = 0, signature_failure: bool = False
    ) -> None:
        super().__init__(str(err))
        self.err, self.logs, self.units, self.signature_failure = err, logs or [], units, signature_failure


@dataclass
class LandedTransaction:
    signature: str
    slot: int
    block_time: int
    transaction: VersionedTransaction
    err: Any
    fee: int
    logs: list[str]
    units: int
    pre_balances: list[int]
    post_balances: list[int]
    pre_token_balances: list[dict[str, Any]] = field(default_factory=list)
    post_token_balances: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Simulation:
    err: Any
    logs: list[str]
    units: int
    fee: int
    accounts: dict[Pubkey, Account]


class SolanaLedger:
    def __init__(
        self,
        usdc_mint: Pubkey = USDC_MINT,
        usdc_authority: Keypair = LOCAL_USDC_AUTHORITY,
        faucet: Keypair = LOCAL_FAUCET,
        slot_ms: int = 400,
    ) -> None:
        self.lock = threading.RLock()
        self.usdc_mint, self.usdc_authority, self.faucet = usdc_mint, usdc_authority, faucet
        self.svm = LiteSVM().with_blockhash_check(False)
        self._slot_ms = slot_ms
        self._t0 = time.monotonic()
        self._base_slot = self.svm.get_clock().slot
        self.slot = self._base_slot
        self._blockhashes: dict[str, int] = {str(self.svm.latest_blockhash()): self.slot}
        self.landed: dict[str, LandedTransaction] = {}
        self._set_clock(self.slot)
        self.svm.set_account(faucet.pubkey(), Account(_FAUCET_LAMPORTS, b"", SYSTEM_PROGRAM_ID, False, 0))
        self.svm.set_account(
            usdc_authority.pubkey(), Account(_AUTHORITY_LAMPORTS, b"", SYSTEM_PROGRAM_ID, False, 0)
        )
        rent = self.svm.minimum_balance_for_rent_exemption(spl.MINT_LEN)
        self.svm.set_account(
            usdc_mint,
            spl.mint_account(
                usdc_authority.pubkey(), USDC_DECIMALS, rent, freeze_authority=usdc_authority.pubkey()
            ),
        )

    # -- the cluster clock ---------------------------------------------------------------------
    def _set_clock(self, slot: int) -> None:
        self.svm.set_clock(Clock(slot, 0, 0, 0, int(time.time())))

    def _new_slot(self, slot: int) -> None:
        self.slot = slot
        self._set_clock(slot)
        self.svm.expire_blockhash()
        self._blockhashes[str(self.svm.latest_blockhash())] = slot
        oldest = slot - BLOCKHASH_VALID_SLOTS
        self._blockhashes = {h: s for h, s in self._blockhashes.items() if s >= oldest}

    def tick(self) -> int:
        """Bring the slot up to wall-clock time (one slot per ``slot_ms``); the current slot."""
        with self.lock:
            target = self._base_slot + int((time.monotonic() - self._t0) * 1000 / self._slot_ms)
            if target > self.slot:
                self._new_slot(target)
            return self.slot

    def latest_blockhash(self) -> tuple[Hash, int]:
        """The latest blockhash and the last block height at which it is still accepted."""
        with self.lock:
            self.tick()
            blockhash = self.svm.latest_blockhash()
            return blockhash, self._blockhashes[str(blockhash)] + BLOCKHASH_VALID_SLOTS

    def blockhash_valid(self, blockhash: Hash) -> bool:
        with self.lock:
            issued = self._blockhashes.get(str(blockhash))
            return issued is not None and issued >= self.tick() - BLOCKHASH_VALID_SLOTS

    # -- state -----------------------------------------------------------------------------------
    def account(self, address: Pubkey) -> Account | None:
        with self.lock:
            account = self.svm.get_account(address)
        return account if account is not None and (account.lamports or account.data) else None

    def balance(self, address: Pubkey) -> int:
        account = self.account(address)
        return account.lamports if account else 0

    def decimals(self, mint: Pubkey) -> int | None:
        state = spl.parse_mint(self.account(mint))
        return state.decimals if state else None

    def token_accounts(self, owner: Pubkey) -> list[tuple[Pubkey, Account]]:
        with self.lock:
            found = [pair for prog in spl.TOKEN_PROGRAMS for pair in self.svm.get_program_accounts(prog)]
        return [(key, acc) for key, acc in found if (s := spl.parse_token_account(acc)) and s.owner == owner]

    def _token_balances(self, keys: list[Pubkey]) -> list[dict[str, Any]]:
        balances = []
        for index, key in enumerate(keys):
            account = self.svm.get_account(key)
            state = spl.parse_token_account(account)
            decimals = self.decimals(state.mint) if state else None
            if state is None or decimals is None or account is None:
                continue
            balances.append(
                {
                    "accountIndex": index,
                    "mint": str(state.mint),
                    "owner": str(state.owner),
                    "programId": str(account.owner),
                    "uiTokenAmount": ui_token_amount(state.amount, decimals),
                }
            )
        return balances

    # -- transactions ----------------------------------------------------------------------------
    def simulate(self, tx: VersionedTransaction, sig_verify: bool = False) -> Simulation:
        with self.lock:
            if not self.blockhash_valid(tx.message.recent_blockhash):
                return Simulation("BlockhashNotFound", [], 0, 0, {})
            if str(tx.signatures[0]) in self.landed:
                return Simulation("AlreadyProcessed", [], 0, 0, {})
            self.svm.with_sigverify(sig_verify)
            try:
                result = self.svm.simulate_transaction(tx)
            finally:
                self.svm.with_sigverify(True)
        if isinstance(result, FailedTransactionMetadata):
            meta = result.meta()
            return Simulation(
                failure_json(result), meta.logs(), meta.compute_units_consumed(), meta.fee(), {}
            )
        meta = result.meta()
        return Simulation(
            None, meta.logs(), meta.compute_units_consumed(), meta.fee(), dict(result.post_accounts())
        )

    def submit(self, tx: VersionedTransaction, preflight: bool = True) -> str:
        """Process ``tx``; its signature. With ``preflight`` a transaction that would fail raises
        ``RejectedTransactionError`` and changes nothing; without, a failing one may land with an error
        (fee charged) or be dropped, as on a real cluster."""
        signature = str(tx.signatures[0])
        with self.lock:
            if preflight:
                if not all(tx.verify_with_results()):
                    raise RejectedTransactionError("SignatureFailure", signature_failure=True)
                sim = self.simulate(tx, sig_verify=True)
                if sim.err is not None:
                    raise RejectedTransactionError(sim.err, sim.logs, sim.units)
            elif signature in self.landed or not self.blockhash_valid(tx.message.recent_blockhash):
                return signature  # a duplicate or a stale blockhash never lands
            dropped = self._process(tx)
            if preflight and dropped is not None:
                raise RejectedTransactionError(dropped)
        return signature

    def _process(self, tx: VersionedTransaction) -> Any:
        """Land ``tx`` (recording it, even when it failed with its fee paid); the error of a
        transaction that was dropped instead, else None."""
        keys = list(tx.message.account_keys)
        pre = [self.svm.get_balance(k) or 0 for k in keys]
        pre_tokens = self._token_balances(keys)
        result = self.svm.send_transaction(tx)
        signature = str(tx.signatures[0])
        if isinstance(result, TransactionMetadata):
            meta, err = result, None
        elif self.svm.get_transaction(tx.signatures[0]) is not None:  # failed, but landed (fee paid)
            meta, err = result.meta(), failure_json(result)
        else:
            return failure_json(result)
        self.landed[signature] = LandedTransaction(
            signature,
            self.slot,
            int(time.time()),
            tx,
            err,
            meta.fee(),
            meta.logs(),
            meta.compute_units_consumed(),
            pre,
            [self.svm.get_balance(k) or 0 for k in keys],
            pre_tokens,
            self._token_balances(keys),
        )
        return None

    def status(self, signature: str) -> LandedTransaction | None:
        with self.lock:
            return self.landed.get(signature)

    def sign_and_submit(self, payer: Keypair, instructions: list[Any], signers: list[Keypair]) -> str:
        """Build, sign and land a transaction from keys the ledger holds (faucet, mint authority)."""
        with self.lock:
            blockhash, _ = self.latest_blockhash()
            tx = Transaction(signers, Message(instructions, payer.pubkey()), blockhash)
            if str(tx.signatures[0]) in self.landed:  # the same request twice in one slot
                self._new_slot(self.slot + 1)
                tx = Transaction(signers, Message(instructions, payer.pubkey()), self.svm.latest_blockhash())
            return self.submit(VersionedTransaction.from_legacy(tx))

    # -- funding ---------------------------------------------------------------------------------
    def airdrop(self, address: Pubkey, lamports: int) -> str:
        """Transfer ``lamports`` from the faucet (a real, recorded transaction); its signature."""
        if lamports <= 0:
            raise ValueError("lamports must be > 0")
        ix = transfer(TransferParams(from_pubkey=self.faucet.pubkey(), to_pubkey=address, lamports=lamports))
        return self.sign_and_submit(self.faucet, [ix], [self.faucet])

    def mint_usdc(self, owner: Pubkey, amount: int) -> str:
        """Mint USDC base units to ``owner``'s associated token account (created if missing)."""
        if amount <= 0:
            raise ValueError("amount must be > 0")
        authority = self.usdc_authority
        with self.lock:
            if self.balance(authority.pubkey()) < LAMPORTS_PER_SOL:
                self.airdrop(authority.pubkey(), _AUTHORITY_LAMPORTS)
            ata = spl.associated_token_address(owner, self.usdc_mint)
            instructions = [
                spl.create_ata_idempotent(authority.pubkey(), owner, self.usdc_mint),
                spl.mint_to(self.usdc_mint, ata, authority.pubkey(), amount),
            ]
            return self.sign_and_submit(authority, instructions, [authority])

    def usdc_balance(self, owner: Pubkey) -> int:
        """The owner's USDC base units, summed over its token accounts for the mint."""
        states = [spl.parse_token_account(account) for _, account in self.token_accounts(owner)]
        return sum(s.amount for s in states if s is not None and s.mint == self.usdc_mint)

    def expire_blockhashes(self) -> None:
        """Jump past every blockhash handed out so far (tests of stale-blockhash handling)."""
        with self.lock:
            self._new_slot(self.slot + BLOCKHASH_VALID_SLOTS + 1)
            self._base_slot += BLOCKHASH_VALID_SLOTS + 1
