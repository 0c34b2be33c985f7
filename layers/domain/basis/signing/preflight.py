"""The signer's preflight: the platform's kill switch, then the wallet's policy, evaluated locally
before anything goes to Privy.

While the kill switch is engaged (``basis.risk.kill_switch``) no platform signature is requested
(a user's own signature, by their access token, still is). The switch is read as this container
read it at most ``flags.RECENT_SECONDS`` (1 s) ago, together with the signing breaker's state (one
call for both, once a second, instead of two consistent reads per signature): a signature may
start up to 1 s after the switch is engaged in another container (one already past this step
could always finish; a whole request can last ``request_seconds``).

The policy is the signer's local copy (``basis.policies.local_copy``): Privy's rules for the
signing wallet plus the Solana rules Privy cannot express, which only this step enforces. A local
denial stops the request without a network call; a local allow is only advisory (Privy is still
asked and stays the authority). When Privy denies, the same local copy says which rule did it
(Privy does not).
"""

from __future__ import annotations

from typing import Any

from basis.signing.errors import KillSwitchEngagedError, PolicyDeniedError


def halted() -> KillSwitchEngagedError | None:
    """The refusal to raise while the kill switch is engaged; None otherwise."""
    from basis.risk import kill_switch
    from basis.signing import breaker

    switch = kill_switch.recent(along={breaker.NAME: breaker.CLOSED})
    return KillSwitchEngagedError(switch.reason) if switch.engaged else None


def check(policy: dict[str, Any] | None, method: str, params: dict[str, Any]) -> PolicyDeniedError | None:
    """The refusal to raise when the local ``policy`` denies the request; None without a policy."""
    if policy is None:
        return None
    from basis.policies.local_copy import decide

    decision = decide(policy, method, params)
    if decision.allowed:
        return None
    return PolicyDeniedError(decision.reason, explanation=decision.reason, rule=decision.rule, preflight=True)


def explain(policy: dict[str, Any] | None, method: str, params: dict[str, Any]) -> tuple[str, str | None]:
    """Which rule denied, from the local copy of the policy (Privy does not say)."""
    if policy is None:
        return "no local copy of the wallet's policy to say which rule denied", None
    from basis.policies.local_copy import decide

    decision = decide(policy, method, params)
    if decision.allowed:
        return (
            f"the local policy copy allows this ({decision.reason}); the policy at Privy differs from it"
        ), None
    return decision.reason, decision.rule
