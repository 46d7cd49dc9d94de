"""Every public name has an entry in the API reference.

The public names are those of ``__all__`` in the public namespaces below, and every name
a public module exports (a module whose dotted path has no ``_``-prefixed part). The
reference is the ``::: path`` directives of ``docs/**/*.md``: mkdocstrings renders each
one, a module with its public members unless the directive says ``members: false``. A
name counts as documented when the object it names is rendered under any path: its own
(``composio_router.AsyncComposio``), where it is defined (``composio_router.client.
AsyncComposio``) or in another public module that exports it.

``nox -s docs`` runs this module again after ``mkdocs build --strict`` with
``COMPOSIO_DOCS_SITE=site``: then the built site's ``objects.inv`` (every object the site
rendered) must hold each name too.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import types
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGES = ("composio_router", "composio_router_emulator")
# Namespaces that re-export names defined elsewhere: each of their names must be rendered
# somewhere. Every other public module must also be rendered as a module itself.
NAMESPACES = (
    "composio_router",
    "composio_router.providers",
    "composio_router.models",
    "composio_router.errors",
    "composio_router.testing",
    "composio_router.testing.pytest_plugin",
    "composio_router_emulator",
)
_DIRECTIVE = re.compile(r"^:::[ \t]+(?P<path>[\w.]+)[ \t]*\n(?P<options>(?:[ \t]+.*\n|[ \t]*\n)*)", re.MULTILINE)


def public_modules() -> list[str]:
    found = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        found.append(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if not any(part.startswith("_") for part in info.name.split(".")):
                found.append(info.name)
    return sorted(found)


def public_names(module: types.ModuleType) -> list[str]:
    exported = getattr(module, "__all__", None)
    if exported is not None:
        return list(exported)
    return [
        name for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", module.__name__) == module.__name__
        and not isinstance(value, types.ModuleType)
    ]


def _resolve(path: str) -> tuple[bool, Any]:
    """(found, object) for a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False, None
        return True, obj
    return False, None


def directives() -> list[tuple[str, bool, str]]:
    """(path, members shown, page) of every ``:::`` directive under docs/."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for match in _DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            members = not re.search(r"^\s+members:\s*(false|\[\s*\])\s*$", match["options"], re.MULTILINE)
            found.append((match["path"], members, str(page.relative_to(ROOT))))
    return found


def rendered_paths(paths: list[tuple[str, bool]]) -> set[str]:
    """Every path a set of directives renders: each one, and a module's public members."""
    rendered = set()
    for path, members in paths:
        rendered.add(path)
        found, obj = _resolve(path)
        if found and members and isinstance(obj, types.ModuleType):
            rendered.update(f"{path}.{name}" for name in public_names(obj))
    return rendered


def aliases(namespace: str, name: str, obj: Any) -> set[str]:
    """Every path under which the object of ``namespace.name`` could be rendered."""
    paths = {f"{namespace}.{name}"}
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        paths.add(f"{module}.{qualname}")
    if isinstance(obj, types.ModuleType):
        paths.add(obj.__name__)
    for other in _public_module_objects():
        for other_name in public_names(other):
            if getattr(other, other_name, None) is obj:
                paths.add(f"{other.__name__}.{other_name}")
    return paths


_MODULES: list[types.ModuleType] = []


def _public_module_objects() -> list[types.ModuleType]:
    if not _MODULES:
        _MODULES.extend(importlib.import_module(name) for name in public_modules())
    return _MODULES


def required() -> Iterator[tuple[str, str, Any]]:
    """(namespace, name, object) for every public name."""
    for module_name in sorted({*NAMESPACES, *public_modules()}):
        module = importlib.import_module(module_name)
        for name in public_names(module):
            yield module_name, name, getattr(module, name)


def missing_from(rendered: set[str]) -> list[str]:
    return sorted(
        f"{namespace}.{name}"
        for namespace, name, obj in required()
        if not aliases(namespace, name, obj) & rendered
    )


def test_every_public_name_has_a_reference_entry() -> None:
    rendered = rendered_paths([(path, members) for path, members, _ in directives()])
    missing = missing_from(rendered)
    assert not missing, (
        f"{len(missing)} public names have no entry in the API reference (docs/reference/*.md): "
        f"{missing}. Add a `::: module` (or `::: module.Name`) directive."
    )


def test_every_public_module_is_rendered() -> None:
    documented = {path for path, _, _ in directives()}
    missing = [m for m in public_modules() if m not in documented and m not in NAMESPACES]
    assert not missing, f"public modules without a `::: module` directive in docs/: {missing}"


def test_every_directive_names_something() -> None:
    # mkdocs build --strict says so too, but only in the docs session.
    broken = [f"{page}: ::: {path}" for path, _, page in directives() if not _resolve(path)[0]]
    assert not broken, broken


def read_inventory(site: Path) -> set[str]:
    """The object paths of a Sphinx inventory (``objects.inv``, version 2)."""
    data = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = data.index(b"\n", header_end) + 1
    text = zlib.decompress(data[header_end:]).decode("utf-8")
    return {line.split(" ", 1)[0] for line in text.splitlines() if line.strip()}


@pytest.mark.skipif(not os.environ.get("COMPOSIO_DOCS_SITE"), reason="needs a built site (nox -s docs sets COMPOSIO_DOCS_SITE)")
def test_the_built_site_renders_every_public_name() -> None:
    site = ROOT / os.environ["COMPOSIO_DOCS_SITE"]
    missing = missing_from(read_inventory(site))
    assert not missing, f"public names the built site does not render: {missing}"
