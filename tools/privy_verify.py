"""Run the policy verification matrix against Privy (or the emulator) and compare each answer with
what the case expects and with the local evaluator's prediction (seed 1.6-1.8).

Two throwaway wallets (one per chain, reused across runs through their idempotency keys) carry the
deployment's policies and are owned by the platform's key quorum, exactly like users' wallets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from basis.policies.evaluator import evaluate
from basis.policies.settings import PolicySettings
from basis.privy.ids import PrivyIds
from tools.policy_matrix import Case, matrix


@dataclass(frozen=True)
class Outcome:
    case: Case
    privy_allowed: bool | None  # None: Privy failed for another reason
    predicted_allowed: bool
    detail: str

    @property
    def passed(self) -> bool:
        return self.privy_allowed is self.case.allowed and self.predicted_allowed is self.case.allowed


def _wallet(client: Any, chain: str, ids: PrivyIds, stage: str) -> Any:
    policy_id = ids.evm_policy_id if chain == "ethereum" else ids.solana_policy_id
    params: dict[str, Any] = {"chain_type": chain, "policy_ids": [policy_id] if policy_id else []}
    if ids.key_quorum_id:
        params["owner_id"] = ids.key_quorum_id
    return client.wallets.create(privy_idempotency_key=f"basis-{stage}-verify-{chain}-{policy_id}", **params)


def verify(
    client: Any, ids: PrivyIds, authorization_key: str, stage: str, settings: PolicySettings | None = None
) -> list[Outcome]:
    import privy
    from privy.lib.authorization import AuthorizationContext
    from privy.lib.request_options import PrivyRequestOptions
    from privy.lib.wallets import PrivyWalletsService
    from solders.pubkey import Pubkey

    from basis.signing.classify import is_policy_denial

    settings = settings or PolicySettings()
    wallets = {chain: _wallet(client, chain, ids, stage) for chain in ("ethereum", "solana")}
    policies = {
        "ethereum": client.policies.get(ids.evm_policy_id).model_dump(),
        "solana": client.policies.get(ids.solana_policy_id).model_dump() if ids.solana_policy_id else {},
    }
    service = PrivyWalletsService(client)
    options = PrivyRequestOptions(
        authorization_context=AuthorizationContext(authorization_private_keys=[authorization_key])
    )
    outcomes = []
    for case in matrix(settings, Pubkey.from_string(wallets["solana"].address)):
        predicted = evaluate(
            policies[case.chain], case.method, case.params, wallet=wallets[case.chain].address
        )
        body = {"method": case.method, "params": case.params, "chain_type": case.chain}
        try:
            service.rpc(
                wallets[case.chain].id,
                wallet_rpc_request_body=body,  # type: ignore[arg-type]
                request_options=options,
            )
            allowed: bool | None = True
            detail = "signed"
        except privy.APIStatusError as exc:
            allowed = False if is_policy_denial(exc.status_code, exc.body) else None
            detail = f"{exc.status_code}: {exc.body}"[:160]
        outcomes.append(Outcome(case, allowed, predicted.allowed, detail))
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    def word(allowed: bool | None) -> str:
        return {True: "allow", False: "deny", None: "ERROR"}[allowed]

    lines = [f"{'case':<46} {'expected':<8} {'privy':<6} {'local':<6} result"]
    for o in outcomes:
        lines.append(
            f"{o.case.name:<46} {word(o.case.allowed):<8} {word(o.privy_allowed):<6} "
            f"{word(o.predicted_allowed):<6} {'PASS' if o.passed else 'FAIL: ' + o.detail}"
        )
    passed = sum(o.passed for o in outcomes)
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines)
