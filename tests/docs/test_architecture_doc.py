"""docs/architecture.md names every module of both packages, so the map cannot go stale.

A module added without a row in the map fails here; the import rules themselves are
checked by import-linter (``nox -s lint``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
NAMED = set(re.findall(r"`([A-Za-z_][\w.]*)/?`", DOC))


def _modules(package: str) -> list[str]:
    base = ROOT / package
    names = [p.stem for p in base.glob("*.py") if p.stem not in {"__init__", "__main__"}]
    names += [p.name for p in base.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    return sorted(names)


@pytest.mark.parametrize("package", ["composio_router", "composio_router_emulator"])
def test_every_module_is_on_the_map(package: str) -> None:
    missing = [name for name in _modules(package) if name not in NAMED]
    assert not missing, f"docs/architecture.md does not say what these {package} modules own: {missing}"


def test_the_map_names_no_module_that_is_gone() -> None:
    # Every `name.py`-style module named in a table row exists in one of the packages.
    existing = set(_modules("composio_router")) | set(_modules("composio_router_emulator")) | {"__main__"}
    rows = [line for line in DOC.splitlines() if line.startswith("| ") and not line.startswith("| To change")]
    named_in_rows = {n for row in rows for n in re.findall(r"^\| ([^|]+)\|", row) for n in re.findall(r"`([A-Za-z_]\w*)/?`", n)}
    assert named_in_rows, "no table rows found"
    gone = sorted(n for n in named_in_rows if n not in existing)
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"
