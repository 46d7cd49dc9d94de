"""The emulator is written from the wire spec and never uses the SDK's code: importing and
running it loads no ``composio_router`` module, and no file of it imports one. The SDK's
``composio_router.testing`` stays a plain re-export of it."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import composio_router_emulator

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "composio_router_emulator"
SDK = "composio_router"


def _is_sdk(module: str) -> bool:
    return module == SDK or module.startswith(SDK + ".")


def test_importing_and_running_the_emulator_loads_no_sdk_module() -> None:
    # A fresh interpreter: this one has the SDK loaded already (the suite's conftest uses it).
    code = textwrap.dedent(
        """
        import asyncio, json, sys
        import urllib.request

        import composio_router_emulator
        import composio_router_emulator.cli
        import composio_router_emulator.pytest_plugin

        async def main() -> None:
            async with composio_router_emulator.Emulator() as emu:
                url = emu.url + "/healthz"
                await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).close())

        asyncio.run(main())
        with composio_router_emulator.Emulator.running_in_thread():
            pass
        print(json.dumps(sorted(sys.modules)))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert "composio_router_emulator._handlers.sessions" in modules  # it really ran
    leaked = [m for m in modules if _is_sdk(m)]
    assert leaked == [], f"importing the emulator loaded SDK modules: {leaked}"


def _package_of(path: Path) -> list[str]:
    """The package a file's relative imports start from (for ``__init__``, the package itself)."""
    return list(path.relative_to(ROOT).with_suffix("").parts)[:-1]


def _sdk_imports(source: str, package: list[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _is_sdk(a.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level - 1 >= len(package):
                # More dots than the emulator has packages: it climbs out into the SDK's tree.
                found.append(f"from {'.' * node.level}{node.module or ''} import ... (escapes)")
                continue
            base = package[: len(package) - (node.level - 1)] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            if _is_sdk(target):
                found.append(f"from {target} import ...")
        elif isinstance(node, ast.Call) and node.args:
            # importlib.import_module("composio_router...") / __import__("composio_router...")
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            arg = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and _is_sdk(arg.value)
            ):
                found.append(f"{name}({arg.value!r})")
    return found


def test_no_emulator_file_imports_the_sdk() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "_handlers" / "__init__.py" in files  # the scan reaches subpackages
    offenders = {
        str(f.relative_to(ROOT)): found
        for f in files
        if (found := _sdk_imports(f.read_text(encoding="utf-8"), _package_of(f)))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("source", "is_sdk"),
    [
        ("import composio_router", True),
        ("import composio_router.models as m", True),
        ("from composio_router import AsyncComposio", True),
        ("from composio_router.testing import Emulator", True),
        ("from ... import client", True),
        ("import importlib; importlib.import_module('composio_router.errors')", True),
        ("import composio_router_emulator", False),
        ("from composio_router_emulator import Emulator", False),
        ("from .. import _wire", False),
        ("from .sessions import preloaded_tools", False),
    ],
)
def test_the_scan_recognises_sdk_imports(source: str, is_sdk: bool) -> None:
    # As if the source sat in composio_router_emulator/_handlers/.
    found = _sdk_imports(source, ["composio_router_emulator", "_handlers"])
    assert bool(found) is is_sdk, found


def test_sdk_testing_module_re_exports_the_emulator() -> None:
    import composio_router.testing as testing
    import composio_router.testing.pytest_plugin as sdk_plugin
    import composio_router_emulator.pytest_plugin as plugin

    assert testing.__all__ == composio_router_emulator.__all__
    for name in composio_router_emulator.__all__:
        assert getattr(testing, name) is getattr(composio_router_emulator, name), name
    # The emulator's account record is StoredAccount; ConnectedAccount is the SDK model's name.
    assert not hasattr(testing, "ConnectedAccount")
    assert sdk_plugin.__all__ == plugin.__all__
    for name in plugin.__all__:
        assert getattr(sdk_plugin, name) is getattr(plugin, name), name
