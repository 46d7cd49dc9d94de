"""The fixtures a user enables with ``pytest_plugins``, under both names, in a separate
pytest run the way a user's suite would load them (the SDK's name re-exports the
fixture functions; pytest must still register them)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = """
import sys
import urllib.request

import pytest

pytest_plugins = ["{plugin}"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_fixture(composio_emulator) -> None:
    assert composio_emulator.url.startswith("http://127.0.0.1:")


def test_thread_fixture(composio_emulator_thread) -> None:
    with urllib.request.urlopen(composio_emulator_thread.url + "/healthz", timeout=5) as resp:
        assert resp.status == 200


def test_sdk_loaded() -> None:
    loaded = [m for m in sys.modules if m == "composio_router" or m.startswith("composio_router.")]
    assert bool(loaded) is {loads_sdk}, loaded
"""


@pytest.mark.parametrize(
    ("plugin", "loads_sdk"),
    [
        ("composio_router_emulator.pytest_plugin", False),
        ("composio_router.testing.pytest_plugin", True),
    ],
)
def test_user_suite_gets_the_fixtures(plugin: str, loads_sdk: bool, tmp_path: Path) -> None:
    test_file = tmp_path / "test_user.py"
    test_file.write_text(textwrap.dedent(USER_TESTS.format(plugin=plugin, loads_sdk=loads_sdk)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout, done.stdout
