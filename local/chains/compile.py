"""Compile the local EVM contracts offline with npm ``solc`` and write their artefacts.

``python -m local.chains.compile`` rewrites ``evm_contracts/<Name>.json`` (abi, bytecode, deployed
bytecode, storage layout, the source's sha256). The artefacts are committed; a test recompiles and
checks they match byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = Path(__file__).with_name("evm_contracts")
SOLC_DIR = ROOT / "node_modules" / "solc"
SOLC_VERSION = "0.8.28"
CONTRACTS = ("USDC", "Bridge2")
SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 200},
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "storageLayout"]}
    },
}

_NODE_COMPILE = """
const solc = require(process.argv[1]);
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => { process.stdout.write(solc.compile(input)); });
"""


def solc_unavailable_reason() -> str | None:
    """Why offline compilation cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (SOLC_DIR / "package.json").is_file():
        return f"npm solc is not installed under {SOLC_DIR} (run `npm install`)"
    installed = json.loads((SOLC_DIR / "package.json").read_text())["version"]
    if installed != SOLC_VERSION:
        return f"npm solc is {installed}, the artefacts are built with {SOLC_VERSION}"
    return None


def source_path(name: str) -> Path:
    return CONTRACTS_DIR / f"{name}.sol"


def artefact_path(name: str) -> Path:
    return CONTRACTS_DIR / f"{name}.json"


def source_sha256(name: str) -> str:
    return hashlib.sha256(source_path(name).read_bytes()).hexdigest()


def compile_contracts() -> dict[str, str]:
    """Compile every contract; returns each artefact's rendered JSON text (what is committed)."""
    reason = solc_unavailable_reason()
    if reason:
        raise RuntimeError(f"cannot compile: {reason}")
    standard_input = {
        "language": "Solidity",
        "sources": {f"{name}.sol": {"content": source_path(name).read_text()} for name in CONTRACTS},
        "settings": SETTINGS,
    }
    completed = subprocess.run(
        ["node", "-e", _NODE_COMPILE, str(SOLC_DIR)],
        input=json.dumps(standard_input).encode(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    output = json.loads(completed.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise RuntimeError("solc failed:\n" + "\n".join(errors))
    rendered = {}
    for name in CONTRACTS:
        compiled = output["contracts"][f"{name}.sol"][name]
        artefact = {
            "contractName": name,
            "sourceName": f"{name}.sol",
            "sourceSha256": source_sha256(name),
            "compiler": {"solc": SOLC_VERSION, "settings": SETTINGS},
            "abi": compiled["abi"],
            "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            "storageLayout": compiled["storageLayout"],
        }
        rendered[name] = json.dumps(artefact, indent=2, sort_keys=True) + "\n"
    return rendered


def main() -> int:
    for name, text in compile_contracts().items():
        artefact_path(name).write_text(text)
        print(f"wrote {artefact_path(name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
