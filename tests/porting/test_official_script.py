"""Code written for the official SDK runs with its imports changed: sync facade and async.

``official_script`` is such a script. It runs against an emulator through the
environment variables it reads, as a user's script would; the test swaps in client
classes that only record themselves, so every client it made is closed afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from composio_router import AsyncComposio, Composio
from composio_router.testing import Emulator

from ..conftest import API_KEY
from . import official_script

SESSIONS = "/api/v3.1/tool_router/session"


@pytest.fixture
def porting_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    # Links complete on their first poll: the user "clicks" at once.
    with Emulator.running_in_thread(api_key=API_KEY, auto_complete_after_polls=1) as emu:
        monkeypatch.setenv("COMPOSIO_API_KEY", API_KEY)
        monkeypatch.setenv("COMPOSIO_BASE_URL", emu.url)
        emu.connect_account("user-42", "gmail")
        yield emu


def _check(seen: dict[str, Any], emulator: Emulator, workdir: Path) -> None:
    assert seen["mcp_url"].startswith(emulator.url) and seen["mcp_has_key"]
    assert "Europe/Lisbon" in seen["prompt"]
    assert "COMPOSIO_SEARCH_TOOLS" in seen["tool_names"]
    assert "WEATHER_GET_FORECAST" in seen["found"]
    assert seen["forecast"] == ("completed", "Lisbon", None)
    assert seen["connected"] == "ACTIVE"
    assert {slug for slug, _ in seen["active"]} == {"gmail", "github"}
    assert seen["issue"] == "completed"
    assert seen["blocked"][0] == "blocked" and "No pricing by email" in seen["blocked"][1]
    assert emulator.mailbox("user-42") == []  # the hook stopped it before it ran
    assert seen["history"] == [(2, True), (1, False)]
    assert seen["uploaded"] == "reports/report.csv"
    assert seen["listed"] == ["reports/report.csv"]
    assert seen["download_url"].startswith(emulator.url + "/_storage/")
    assert seen["text"] == "city,forecast\nLisbon,sunny\n" and seen["bytes"] == seen["text"].encode()
    assert Path(seen["saved_to"]) == (workdir / "copy.csv").resolve()
    assert (workdir / "copy.csv").read_text() == seen["text"]
    assert seen["after_delete"] == []
    assert seen["note"] == {"saved": "Ported", "user_id": "user-42"}

    # What went over the wire is what the official SDK sends for the same calls.
    create = emulator.journal.find(method="POST", path=SESSIONS)[0].body
    assert create["toolkits"] == {"enable": ["gmail", "github", "weather"]}
    assert create["workbench"] == {"enable": True, "sandbox_size": "medium"}
    assert create["manage_connections"] == {"enable": True, "callback_url": "https://example.com/connected"}
    assert create["hooks"] == official_script.HOOKS
    assert create["experimental"]["assistive_prompt_config"] == {"user_timezone": "Europe/Lisbon"}
    assert [t["slug"] for t in create["experimental"]["custom_tools"]] == ["SAVE_NOTE"]
    patch = emulator.journal.find(method="PATCH", path=SESSIONS + "/*")[0].body
    assert patch == {
        "toolkits": {"enable": ["gmail", "github"]},
        "manage_connections": {"enable_wait_for_connections": True},
        "workbench": {"enable": False},
        "expected_config_version": 1,
    }


def test_the_official_script_runs_on_the_sync_facade(
    porting_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Composio] = []

    class Recorded(Composio):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(official_script, "Composio", Recorded)
    try:
        seen = official_script.main(tmp_path)
    finally:
        for client in made:
            client.close()
    _check(seen, porting_emulator, tmp_path)


def test_the_official_script_runs_on_the_async_client(
    porting_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[AsyncComposio] = []

    class Recorded(AsyncComposio):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(official_script, "AsyncComposio", Recorded)

    async def run() -> dict[str, Any]:
        try:
            return await official_script.async_main(tmp_path)
        finally:
            for client in made:
                await client.aclose()

    seen = asyncio.run(run())
    _check(seen, porting_emulator, tmp_path)
