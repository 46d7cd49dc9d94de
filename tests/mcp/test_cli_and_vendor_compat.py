"""The standalone emulator for other languages (``python -m composio_router_emulator``),
and the two wire details the vendor's TypeScript SDK needed (spec §4.11, §4.14)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request

import aiohttp
import pytest

from composio_router_emulator import Emulator
from composio_router_emulator.cli import parse_connect

from .conftest import USER, NewSession, P


def test_cli_prints_the_environment_and_pre_connects_accounts() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "composio_router_emulator",
            "--port",
            "0",
            "--connect",
            "user-1:gmail",
            "--connect",
            "team:ops:GitHub",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith("Tool Router emulator listening on http://")
        lines = [proc.stderr.readline() for _ in range(7)]
        env = dict(
            line.strip().removeprefix("export ").split("   #")[0].split("=", 1)
            for line in lines
            if line.strip().startswith("export ")
        )
        base, key = env["COMPOSIO_BASE_URL"], env["COMPOSIO_API_KEY"]
        assert base.startswith("http://127.0.0.1:") and key == "emulator-local-key"
        assert any("any non-empty key" in line for line in lines)
        connected = [line for line in lines if line.startswith("Connected ")]
        assert len(connected) == 2 and "github for team:ops" in connected[1]
        request = urllib.request.Request(
            f"{base}/api/v3.1/connected_accounts?user_ids=team:ops", headers={"x-api-key": key}
        )
        with urllib.request.urlopen(request, timeout=10) as resp:  # loopback
            items = json.loads(resp.read())["items"]
        assert [(i["toolkit"]["slug"], i["status"]) for i in items] == [("github", "ACTIVE")]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_cli_help_and_bad_connect() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "composio_router_emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert "--connect USER:TOOLKIT" in out and "GET on that URL" in out
    bad = subprocess.run(
        [sys.executable, "-m", "composio_router_emulator", "--connect", "nobody:nothing"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "unknown toolkit 'nothing'" in bad.stderr
    with pytest.raises(ValueError, match="USER:TOOLKIT"):
        parse_connect(["gmail"])


@pytest.mark.anyio
async def test_search_narrows_to_toolkits(
    http: aiohttp.ClientSession, new_session: NewSession
) -> None:
    sid = (await new_session())["session_id"]
    query = {"queries": [{"use_case": "send a message or create an issue"}]}
    async with http.post(f"{P}/{sid}/search", json=query) as resp:
        wide = await resp.json()
    async with http.post(f"{P}/{sid}/search", json={**query, "toolkits": ["github"]}) as resp:
        narrow = await resp.json()
    toolkits = {s["toolkit"] for s in narrow["tool_schemas"].values()}
    assert toolkits == {"github"} and len(wide["tool_schemas"]) > len(narrow["tool_schemas"])
    async with http.post(f"{P}/{sid}/search", json={**query, "toolkits": []}) as resp:
        assert resp.status == 400


@pytest.mark.anyio
async def test_files_list_omits_next_cursor_on_the_last_page(
    emulator: Emulator, http: aiohttp.ClientSession, new_session: NewSession
) -> None:
    sid = (await new_session())["session_id"]
    mount = f"{P}/{sid}/mounts/files"
    async with aiohttp.ClientSession() as storage:  # presigned: no API key there
        for name in ("a.txt", "b.txt"):
            async with http.post(f"{mount}/upload_url", json={"mount_relative_path": name}) as resp:
                grant = await resp.json()
            async with storage.put(grant["upload_url"], data=b"x") as resp:
                assert resp.status in (200, 201, 204), await resp.text()
    async with http.get(f"{mount}/items", params={"limit": "1"}) as resp:
        first = await resp.json()
    assert first["next_cursor"]
    async with http.get(f"{mount}/items", params={"cursor": first["next_cursor"]}) as resp:
        last = await resp.json()
    assert [i["mount_relative_path"] for i in last["items"]] == ["b.txt"]
    assert "next_cursor" not in last


@pytest.mark.anyio
async def test_rest_execute_honours_permissions(
    emulator: Emulator, http: aiohttp.ClientSession, new_session: NewSession
) -> None:
    """The MCP endpoint and /execute share the approval rules (experimental.permissions)."""
    ca = emulator.connect_account(USER, "gmail")
    perms = {
        "default": "ask_every_call",
        "overrides": {f"*:{ca}": "always_deny", "TEXT_UPPERCASE:__none__": "always_allow"},
    }
    sid = (await new_session(experimental={"permissions": perms}))["session_id"]
    email = {"recipient_email": "a@example.com", "body": "b"}
    async with http.post(
        f"{P}/{sid}/execute", json={"tool_slug": "GMAIL_SEND_EMAIL", "arguments": email}
    ) as resp:
        denied = await resp.json()
    assert denied["result_type"] == "failed" and "denied" in denied["error"]
    async with http.post(
        f"{P}/{sid}/execute", json={"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}}
    ) as resp:
        assert (await resp.json())["result_type"] == "completed"
    async with http.post(
        f"{P}/{sid}/execute", json={"tool_slug": "TEXT_REVERSE", "arguments": {"text": "ab"}}
    ) as resp:
        asked = await resp.json()
    assert asked["result_type"] == "input_required"
