"""anvil comes from the npm package built for the machine the stack runs on."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from local.chains import anvil


@pytest.mark.parametrize(
    ("system", "machine", "package"),
    [
        ("Linux", "x86_64", "anvil-linux-amd64"),
        ("Linux", "aarch64", "anvil-linux-arm64"),
        ("Linux", "arm64", "anvil-linux-arm64"),
        ("Darwin", "arm64", "anvil-darwin-arm64"),
    ],
)
def test_package_follows_the_platform(system: str, machine: str, package: str) -> None:
    assert anvil.anvil_package(system, machine) == package


def test_an_unsupported_platform_or_missing_package_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(FileNotFoundError, match="no anvil package for Linux/riscv64"):
        anvil.anvil_binary("Linux", "riscv64")
    monkeypatch.setattr(anvil, "FOUNDRY_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"anvil-linux-arm64.*npm install"):
        anvil.anvil_binary("Linux", "aarch64")


def test_this_machine_uses_its_own_package() -> None:
    binary = anvil.anvil_binary()
    assert binary == anvil.ANVIL_BIN and anvil.anvil_package() in str(binary)
    assert ("amd64" in str(binary)) == (platform.machine() in {"x86_64", "amd64"})
