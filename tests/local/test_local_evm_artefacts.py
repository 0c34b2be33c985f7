"""The committed EVM artefacts are exactly what the committed Solidity sources compile to."""

from __future__ import annotations

import pytest

from local.chains.compile import (
    CONTRACTS,
    SOLC_VERSION,
    artefact_path,
    compile_contracts,
    solc_unavailable_reason,
    source_sha256,
)
from local.chains.evm_artefacts import load_artefact


@pytest.mark.parametrize("name", CONTRACTS)
def test_artefact_records_the_current_source(name: str) -> None:
    artefact = load_artefact(name)
    assert artefact["sourceSha256"] == source_sha256(name), (
        f"{name}.sol changed since its artefact was built: run `python -m local.chains.compile`"
    )
    assert artefact["compiler"]["solc"] == SOLC_VERSION
    assert artefact["compiler"]["settings"]["evmVersion"] == "cancun"
    assert artefact["deployedBytecode"].startswith("0x6080")
    assert artefact["bytecode"].startswith("0x6080")


def test_recompiling_yields_the_committed_artefacts_byte_for_byte() -> None:
    reason = solc_unavailable_reason()
    if reason:
        pytest.skip(f"offline recompilation impossible: {reason}")
    rendered = compile_contracts()
    assert sorted(rendered) == sorted(CONTRACTS)
    for name, text in rendered.items():
        assert text == artefact_path(name).read_text(), (
            f"{name}.json is stale: run `python -m local.chains.compile` and commit the result"
        )
