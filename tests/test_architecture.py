"""The layering holds (docs/architecture.md): no module reaches into another's private names.

Two tools check the rest in the lint session: import-linter (``lint-imports``, contracts
in pyproject.toml) for the layers, the emulator's independence and the absence of import
cycles, and ruff's SLF001 for private attributes read through another object. What
neither covers is importing a private name (``from .fanout import _normalise_call``):
ruff's own rule exempts first-party imports, which are exactly the ones that matter here.

The runtime footprint holds too: the package depends on exactly five distributions
(pyproject.toml); everything else is an optional extra or test-only.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("composio_router", "composio_router_emulator")
# What `pip install composio-router` brings; nothing may join it unannounced.
RUNTIME_DEPENDENCIES = ["aiohttp", "anyio", "attrs", "cattrs", "orjson"]


def _modules() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_from(path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_module(dotted: str) -> bool:
    # A private *module* (``from . import _meta_tools``) is internal to its package, not a
    # module's private name.
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_is_imported_from_another_module(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = _imported_from(path, node)
        if not source.startswith(PACKAGES):
            continue  # a third party's private name is that party's business (see SLF001 noqa)
        offending += [
            f"line {node.lineno}: from {source} import {alias.name}"
            for alias in node.names
            if _is_private(alias.name) and not _is_module(f"{source}.{alias.name}")
        ]
    assert offending == [], f"{path.name} imports private names of other modules: {offending}"


def test_the_check_sees_a_private_import() -> None:
    # The scan above must not pass vacuously: it parses relative imports the way Python does.
    path = ROOT / "composio_router" / "providers" / "openai.py"
    node = ast.parse("from ..fanout import _run_item").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _imported_from(path, node) == "composio_router.fanout"
    assert _is_private("_run_item") and not _is_private("__all__")


def test_runtime_dependencies_are_exactly_the_five() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    # Names only (PEP 503-normalised): a version bound may change, the set may not. Sorted,
    # not a set, so that a name listed twice (say with an environment marker) shows up too.
    names = sorted(canonicalize_name(Requirement(spec).name) for spec in project["dependencies"])
    assert names == RUNTIME_DEPENDENCIES
    assert "dependencies" not in project.get("dynamic", [])  # the list above is the whole truth
