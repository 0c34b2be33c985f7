"""The emulator's state and Privy's rules for changing it: wallets, policies, key quorums, app keys.

Thread-safe: every method takes the store's lock. Raises ``PrivyError`` (400/404) as Privy answers.
"""

from __future__ import annotations

import threading
from typing import Any

from local.privy.authorization import normalize_public_key
from local.privy.errors import invalid, not_found
from local.privy.records import KeyQuorumRecord, PolicyRecord, WalletRecord, new_id

CHAINS = ("ethereum", "solana")


def _policy_problems(body: dict[str, Any]) -> list[str]:
    from basis.policies.evaluator import validate_policy

    problems = validate_policy(body)
    if isinstance(body.get("name"), str) and len(body["name"]) > 50:
        problems.append("name must be at most 50 characters")
    return problems


def _with_ids(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": rule.get("id") or new_id(),
            "name": rule["name"],
            "method": rule["method"],
            "conditions": rule["conditions"],
            "action": rule["action"],
        }
        for rule in rules
    ]


class PrivyStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.wallets: dict[str, WalletRecord] = {}
        self.policies: dict[str, PolicyRecord] = {}
        self.quorums: dict[str, KeyQuorumRecord] = {}
        self.app_keys: list[str] = []

    # -- owners ------------------------------------------------------------------------------------
    def _owner(self, body: dict[str, Any]) -> tuple[str | None, str | None]:
        """(owner key quorum id, owner user id) from ``owner_id`` / ``owner``; an ``owner`` becomes a
        key quorum, as at Privy."""
        owner, owner_id = body.get("owner"), body.get("owner_id")
        if owner is not None and owner_id is not None:
            raise invalid("specify owner or owner_id, not both")
        if owner_id is not None:
            if not isinstance(owner_id, str) or owner_id not in self.quorums:
                raise invalid(f"owner_id {owner_id!r} is not a key quorum of this app")
            return owner_id, None
        if owner is None:
            return None, None
        if not isinstance(owner, dict) or not (owner.get("user_id") or owner.get("public_key")):
            raise invalid("owner must be {'user_id': ...} or {'public_key': ...}")
        user = str(owner["user_id"]) if owner.get("user_id") else None
        keys = [] if user else [normalize_public_key(str(owner["public_key"]))]
        quorum = KeyQuorumRecord(new_id(), keys, user_ids=[user] if user else [])
        self.quorums[quorum.id] = quorum
        return quorum.id, user

    def _policy_ids(self, value: Any, chain_type: str, field: str) -> list[str]:
        """Up to one policy id of the wallet's chain (``policy_ids``, a signer's ``override_policy_ids``)."""
        ids = value or []
        if not isinstance(ids, list) or len(ids) > 1:
            raise invalid(f"{field} must be a list of at most one policy id")
        for policy_id in ids:
            policy = self.policies.get(policy_id)
            if policy is None:
                raise invalid(f"policy {policy_id} does not exist")
            if policy.chain_type != chain_type:
                raise invalid(f"policy {policy_id} is for {policy.chain_type}, not {chain_type}")
        return list(ids)

    def _signers(self, value: Any, chain_type: str) -> list[dict[str, Any]]:
        signers = value or []
        if not isinstance(signers, list) or not all(
            isinstance(s, dict) and s.get("signer_id") for s in signers
        ):
            raise invalid("additional_signers must be a list of {'signer_id', 'override_policy_ids'?}")
        for signer in signers:
            if signer["signer_id"] not in self.quorums:
                raise invalid(f"additional signer {signer['signer_id']} is not a key quorum of this app")
        return [
            {
                "signer_id": s["signer_id"],
                "override_policy_ids": self._policy_ids(
                    s.get("override_policy_ids"), chain_type, "override_policy_ids"
                ),
            }
            for s in signers
        ]

    # -- wallets -----------------------------------------------------------------------------------
    def create_wallet(
        self, body: dict[str, Any], *, user: str | None, idempotency_key: str | None
    ) -> WalletRecord:
        chain_type = body.get("chain_type")
        if chain_type not in CHAINS:
            raise invalid(f"chain_type {chain_type!r} is not supported by the emulator (ethereum, solana)")
        with self.lock:
            policy_ids = self._policy_ids(body.get("policy_ids"), chain_type, "policy_ids")
            signers = self._signers(body.get("additional_signers"), chain_type)
            owner_id, owner_user = self._owner(body)
            wallet = WalletRecord.generate(
                chain_type,
                policy_ids=policy_ids,
                owner_id=owner_id,
                owner_user=owner_user or user,
                additional_signers=signers,
                display_name=body.get("display_name"),
                external_id=body.get("external_id"),
                idempotency_key=idempotency_key,
            )
            self.wallets[wallet.id] = wallet
        return wallet

    def update_wallet(self, wallet: WalletRecord, body: dict[str, Any]) -> WalletRecord:
        """``PATCH /v1/wallets/{id}`` (authorized by the caller): fields left out stay as they are;
        ``owner: null`` / ``owner_id: null`` removes the owner; ``external_id`` is write-once."""
        external = body.get("external_id")
        if external is not None and wallet.external_id not in (None, external):
            raise invalid("external_id is write-once and is already set on this wallet")
        with self.lock:
            changes: dict[str, Any] = {}
            if "policy_ids" in body:
                changes["policy_ids"] = self._policy_ids(body["policy_ids"], wallet.chain_type, "policy_ids")
            if "additional_signers" in body:
                changes["additional_signers"] = self._signers(body["additional_signers"], wallet.chain_type)
            if "display_name" in body:
                changes["display_name"] = body["display_name"]
            if external is not None:
                changes["external_id"] = external
            if "owner" in body or "owner_id" in body:
                changes["owner_id"], owner_user = self._owner(body)
                changes["owner_user"] = owner_user or wallet.owner_user
            for name, value in changes.items():
                setattr(wallet, name, value)
        return wallet

    def wallet(self, wallet_id: str) -> WalletRecord:
        with self.lock:
            wallet = self.wallets.get(wallet_id)
        if wallet is None:
            raise not_found("wallet", wallet_id)
        return wallet

    def find_wallets(
        self, *, chain_type: str | None = None, user_id: str | None = None, address: str | None = None
    ) -> list[WalletRecord]:
        with self.lock:
            return [
                w
                for w in self.wallets.values()
                if (not chain_type or w.chain_type == chain_type)
                and (not user_id or w.owner_user == user_id)
                and (not address or w.address.lower() == address.lower())
            ]

    def wallets_of_user(self, user_id: str) -> list[WalletRecord]:
        """The wallets a user key of ``user_id`` acts on: the user is in the owner's or a signer's quorum."""
        with self.lock:
            quorums = {q.id for q in self.quorums.values() if user_id in q.user_ids}
            return [
                w
                for w in self.wallets.values()
                if w.owner_id in quorums or any(s["signer_id"] in quorums for s in w.additional_signers)
            ]

    # -- policies ----------------------------------------------------------------------------------
    def create_policy(self, body: dict[str, Any]) -> PolicyRecord:
        problems = _policy_problems(body)
        if problems:
            raise invalid("invalid policy: " + "; ".join(problems))
        with self.lock:
            owner_id, _ = self._owner(body)
            policy = PolicyRecord(
                new_id(),
                body["name"],
                body["chain_type"],
                _with_ids(body["rules"]),
                owner_id=owner_id,
                version=body["version"],
            )
            self.policies[policy.id] = policy
        return policy

    def policy(self, policy_id: str) -> PolicyRecord:
        with self.lock:
            policy = self.policies.get(policy_id)
        if policy is None:
            raise not_found("policy", policy_id)
        return policy

    def update_policy(self, policy: PolicyRecord, body: dict[str, Any]) -> PolicyRecord:
        merged = {**policy.view(), **{k: v for k, v in body.items() if k in ("name", "rules")}}
        problems = _policy_problems(merged)
        if problems:
            raise invalid("invalid policy: " + "; ".join(problems))
        with self.lock:
            if "owner" in body or "owner_id" in body:
                policy.owner_id, _ = self._owner(body)
            policy.name, policy.rules = merged["name"], _with_ids(merged["rules"])
        return policy

    def delete_policy(self, policy_id: str) -> None:
        with self.lock:
            self.policies.pop(policy_id, None)

    # -- key quorums and app keys ------------------------------------------------------------------
    def _quorum_fields(self, body: dict[str, Any], base: KeyQuorumRecord | None) -> dict[str, Any]:
        """The key quorum ``body`` describes, as Privy validates it; on an update (``base``) the
        fields left out keep their values and a member list replaces the old one."""

        def listed(name: str) -> list[str]:
            if body.get(name) is None:
                return list(getattr(base, name)) if base else []
            if not isinstance(body[name], list):
                raise invalid(f"{name} must be a list")
            return [str(v) for v in body[name]]

        keys = [normalize_public_key(k) for k in listed("public_keys")]
        users, nested = listed("user_ids"), listed("key_quorum_ids")
        members = len(keys) + len(users) + len(nested)
        if not members:
            raise invalid("a key quorum needs at least one of public_keys, user_ids, key_quorum_ids")
        threshold = body.get("authorization_threshold", base.authorization_threshold if base else None)
        if threshold is not None and not (isinstance(threshold, int | float) and 1 <= threshold <= members):
            raise invalid("authorization_threshold must be between 1 and the number of members")
        name = body.get("display_name", base.display_name if base else None)
        if name is not None and (not isinstance(name, str) or len(name) > 50):
            raise invalid("display_name must be a string of at most 50 characters")
        if len(nested) > 5:
            raise invalid("a key quorum nests at most 5 key quorums")
        unknown = [q for q in nested if q not in self.quorums]
        if unknown:
            raise invalid(f"key quorums {unknown} do not exist")
        if any(self.quorums[q].key_quorum_ids for q in nested):
            raise invalid("key quorums can only be nested 1 level deep: a member quorum nests others")
        if (
            base
            and nested
            and (base.id in nested or any(base.id in q.key_quorum_ids for q in self.quorums.values()))
        ):
            raise invalid("key quorums can only be nested 1 level deep: this quorum is nested itself")
        return {
            "public_keys": keys,
            "user_ids": users,
            "key_quorum_ids": nested,
            "authorization_threshold": int(threshold) if threshold is not None else None,
            "display_name": name,
        }

    def create_key_quorum(self, body: dict[str, Any]) -> KeyQuorumRecord:
        with self.lock:
            quorum = KeyQuorumRecord(new_id(), **self._quorum_fields(body, None))
            self.quorums[quorum.id] = quorum
        return quorum

    def update_key_quorum(self, quorum: KeyQuorumRecord, body: dict[str, Any]) -> KeyQuorumRecord:
        """``PATCH /v1/key_quorums/{id}`` (authorized by the caller): at least one field."""
        fields = ("public_keys", "user_ids", "key_quorum_ids", "authorization_threshold", "display_name")
        if not any(name in body for name in fields):
            raise invalid(f"an update needs at least one of {', '.join(fields)}")
        with self.lock:
            for name, value in self._quorum_fields(body, quorum).items():
                setattr(quorum, name, value)
        return quorum

    def key_quorum(self, quorum_id: str) -> KeyQuorumRecord:
        with self.lock:
            quorum = self.quorums.get(quorum_id)
        if quorum is None:
            raise not_found("key quorum", quorum_id)
        return quorum

    def register_app_key(self, public_key: str) -> str:
        key = normalize_public_key(public_key)
        with self.lock:
            if key not in self.app_keys:
                self.app_keys.append(key)
        return key

    def app_authorization_keys(self) -> list[str]:
        """Keys that may change owner-less resources: registered app keys and every key quorum's keys."""
        with self.lock:
            quorum_keys = [k for q in self.quorums.values() for k in q.public_keys]
            return list(dict.fromkeys(self.app_keys + quorum_keys))

    def counts(self) -> dict[str, int]:
        with self.lock:
            chains = [w.chain_type for w in self.wallets.values()]
            return {
                "wallets": len(chains),
                "ethereum_wallets": chains.count("ethereum"),
                "solana_wallets": chains.count("solana"),
                "policies": len(self.policies),
                "key_quorums": len(self.quorums),
            }
