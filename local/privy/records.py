"""What the emulator holds: wallets (with their keys), policies and key quorums, in Privy's shapes."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from solders.keypair import Keypair

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id() -> str:
    """A 24-character lowercase id, like Privy's."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class KeyQuorumRecord:
    id: str
    public_keys: list[str]
    user_ids: list[str] = field(default_factory=list)
    key_quorum_ids: list[str] = field(default_factory=list)
    authorization_threshold: int | None = None
    display_name: str | None = None

    @property
    def threshold(self) -> int:
        """Signatures needed: the threshold, else every member."""
        members = len(self.public_keys) + len(self.user_ids) + len(self.key_quorum_ids)
        return self.authorization_threshold or max(members, 1)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "authorization_keys": [{"public_key": k, "display_name": None} for k in self.public_keys],
            "authorization_threshold": self.authorization_threshold,
            "display_name": self.display_name,
            "user_ids": self.user_ids or None,
            "key_quorum_ids": self.key_quorum_ids or None,
        }


@dataclass
class PolicyRecord:
    id: str
    name: str
    chain_type: str
    rules: list[dict[str, Any]]
    owner_id: str | None = None
    version: str = "1.0"
    created_at: int = field(default_factory=now_ms)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "chain_type": self.chain_type,
            "version": self.version,
            "rules": self.rules,
            "owner_id": self.owner_id,
            "created_at": self.created_at,
        }


@dataclass
class WalletRecord:
    id: str
    chain_type: str
    address: str
    secret: bytes  # the private key (32 bytes secp256k1, or the 64-byte ed25519 keypair)
    policy_ids: list[str]
    owner_id: str | None = None
    owner_user: str | None = None
    additional_signers: list[dict[str, Any]] = field(default_factory=list)
    display_name: str | None = None
    external_id: str | None = None
    idempotency_key: str | None = None
    created_at: int = field(default_factory=now_ms)

    @classmethod
    def generate(cls, chain_type: str, **fields: Any) -> WalletRecord:
        if chain_type == "ethereum":
            account = Account.create()
            return cls(
                id=new_id(),
                chain_type=chain_type,
                address=account.address,
                secret=bytes(account.key),
                **fields,
            )
        keypair = Keypair()
        return cls(
            id=new_id(), chain_type=chain_type, address=str(keypair.pubkey()), secret=bytes(keypair), **fields
        )

    @property
    def eth_key(self) -> str:
        return "0x" + self.secret.hex()

    @property
    def keypair(self) -> Keypair:
        return Keypair.from_bytes(self.secret)

    def view(self) -> dict[str, Any]:
        public_key = self.address if self.chain_type == "solana" else None
        return {
            "id": self.id,
            "address": self.address,
            "chain_type": self.chain_type,
            "created_at": self.created_at,
            "owner_id": self.owner_id,
            "policy_ids": list(self.policy_ids),
            "additional_signers": list(self.additional_signers),
            "display_name": self.display_name,
            "external_id": self.external_id,
            "public_key": public_key,
            "exported_at": None,
            "imported_at": None,
            "archived_at": None,
        }

    def local_view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "address": self.address,
            "chain_type": self.chain_type,
            "owner_user": self.owner_user,
            "owner_id": self.owner_id,
            "policy_ids": list(self.policy_ids),
            "additional_signers": list(self.additional_signers),
            "idempotency_key": self.idempotency_key,
            "display_name": self.display_name,
            "created_at": self.created_at,
        }
