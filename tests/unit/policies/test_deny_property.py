"""Property: once any DENY rule matches a request, no number of matching ALLOW rules can allow it.

The oracle below decides rule matches independently of the evaluator (plain integer and
lower-cased address comparisons on ``to`` and ``value``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from basis.policies.evaluator import evaluate

ADDRESSES = ["0x" + c * 40 for c in "1a2B"]
METHODS = ["eth_sendTransaction", "eth_signTransaction"]

to_condition = st.builds(
    lambda op, a, b: {
        "field_source": "ethereum_transaction",
        "field": "to",
        "operator": op,
        "value": [a, b] if op == "in" else a,
    },
    st.sampled_from(["eq", "in"]),
    st.sampled_from(ADDRESSES),
    st.sampled_from(ADDRESSES),
)
value_condition = st.builds(
    lambda op, v: {"field_source": "ethereum_transaction", "field": "value", "operator": op, "value": str(v)},
    st.sampled_from(["eq", "gt", "gte", "lt", "lte"]),
    st.integers(0, 20),
)
rules = st.builds(
    lambda action, method, conditions: {"action": action, "method": method, "conditions": conditions},
    st.sampled_from(["ALLOW", "DENY"]),
    st.sampled_from([*METHODS, "*"]),
    st.lists(st.one_of(to_condition, value_condition), min_size=1, max_size=3),
)
requests = st.fixed_dictionaries(
    {
        "to": st.sampled_from(ADDRESSES).map(lambda a: a.upper().replace("0X", "0x")),
        "value": st.integers(0, 20),
    }
)


def _oracle_matches(rule: dict[str, Any], method: str, tx: dict[str, Any]) -> bool:
    if rule["method"] not in (method, "*"):
        return False
    for c in rule["conditions"]:
        if c["field"] == "to":
            wanted = c["value"] if isinstance(c["value"], list) else [c["value"]]
            ok = tx["to"].lower() in [w.lower() for w in wanted]
        else:
            a, b = tx["value"], int(c["value"])
            ok = {"eq": a == b, "gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[c["operator"]]
        if not ok:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    st.lists(rules, max_size=12),
    st.lists(rules.map(lambda r: {**r, "action": "ALLOW"}), max_size=30),
    requests,
    st.sampled_from(METHODS),
    st.randoms(use_true_random=False),
)
def test_matching_deny_is_never_outvoted(base: list, allows: list, tx: dict, method: str, rnd: Any) -> None:
    all_rules = [*base, *allows]
    rnd.shuffle(all_rules)
    named = [{**rule, "name": f"rule-{i}"} for i, rule in enumerate(all_rules)]
    body = {"version": "1.0", "name": "p", "chain_type": "ethereum", "rules": named}
    decision = evaluate(body, method, {"transaction": tx})

    matching = [r for r in named if _oracle_matches(r, method, tx)]
    denies = [r["name"] for r in matching if r["action"] == "DENY"]
    if denies:
        assert not decision.allowed and decision.rule in denies
    else:
        assert decision.allowed is any(r["action"] == "ALLOW" for r in matching)
