"""Builds the Lambda layers without Docker: ``python -m infra.build_layers [base|chain ...]``.

Each layer is ``build/layers/<name>/python`` filled by ``pip install --target`` with wheels for the
Lambda platform (``manylinux2014_x86_64``, CPython 3.12). The ``base`` layer also carries the
domain package ``basis``; the ``chain`` layer holds only what ``base`` does not already ship.
Both are installed under one joint resolution of every requirement file (``pip --dry-run
--report``), so the two layers agree on shared packages once merged into ``/opt/python``. A build
is reused while its inputs (requirement files, domain sources, platform) are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.catalog import ROOT

LAYERS: tuple[str, ...] = ("base", "chain")
BUILD_DIR = ROOT / "build" / "layers"
REQUIREMENTS_DIR = ROOT / "layers" / "requirements"
DOMAIN_DIR = ROOT / "layers" / "domain" / "basis"
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.12"
STAMP = ".inputs-sha256"


def _inputs_digest(name: str) -> str:
    digest = hashlib.sha256(f"{PLATFORM}/{PYTHON_VERSION}".encode())
    # Every requirement file: the layers share one joint resolution.
    files = [REQUIREMENTS_DIR / f"{n}.txt" for n in LAYERS]
    if name == "base":
        files += sorted(p for p in DOMAIN_DIR.rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _pip(*args: str) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0:
        raise RuntimeError(f"pip failed ({' '.join(args[-2:])}):\n{result.stdout}{result.stderr}")


def _joint_pins(workdir: Path) -> Path:
    """Resolve every layer's requirements together; returns a constraints file of exact pins."""
    report = workdir / "resolution.json"
    requirements = [arg for n in LAYERS for arg in ("-r", str(REQUIREMENTS_DIR / f"{n}.txt"))]
    _pip("--dry-run", "--ignore-installed", "--report", str(report), *requirements)
    installs = json.loads(report.read_text())["install"]
    pins = workdir / "pins.txt"
    pins.write_text("".join(f"{i['metadata']['name']}=={i['metadata']['version']}\n" for i in installs))
    return pins


def _distributions(site: Path) -> dict[str, Path]:
    """Installed distributions in ``site``: normalized name -> its .dist-info directory."""
    found = {}
    for info in site.glob("*.dist-info"):
        name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        found[name.lower().replace("_", "-")] = info
    return found


def _drop_shared(site: Path, base_site: Path) -> None:
    """Remove from ``site`` every distribution the base layer already ships."""
    shared = _distributions(site).keys() & _distributions(base_site).keys()
    for name in shared:
        info = _distributions(site)[name]
        for line in (info / "RECORD").read_text().splitlines():
            path = site / line.split(",", 1)[0]
            if path.is_file() and site in path.resolve().parents:
                path.unlink()
        shutil.rmtree(info, ignore_errors=True)
    for directory in sorted((p for p in site.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(directory.iterdir()):
            directory.rmdir()


def _prune(site: Path) -> None:
    for cache in list(site.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(site / "bin", ignore_errors=True)


def build_layer(name: str, force: bool = False) -> Path:
    """Build one layer (and ``base`` first when ``chain`` needs it); returns ``build/layers/<name>``."""
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r}; expected one of {LAYERS}")
    if name != "base":
        build_layer("base", force=False)
    out = BUILD_DIR / name
    digest = _inputs_digest(name)
    if not force and (out / STAMP).is_file() and (out / STAMP).read_text() == digest:
        return out
    shutil.rmtree(out, ignore_errors=True)
    site = out / "python"
    site.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as workdir:
        pins = _joint_pins(Path(workdir))
        _pip("--target", str(site), "-c", str(pins), "-r", str(REQUIREMENTS_DIR / f"{name}.txt"))
    if name == "base":
        shutil.copytree(DOMAIN_DIR, site / "basis", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    else:
        _drop_shared(site, BUILD_DIR / "base" / "python")
    _prune(site)
    (out / STAMP).write_text(digest)
    return out


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(LAYERS)
    for name in names:
        path = build_layer(name)
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        print(f"layer {name}: {path.relative_to(ROOT)} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
