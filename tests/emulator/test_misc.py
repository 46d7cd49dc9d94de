from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from composio_router_emulator import Emulator

from .conftest import API_KEY, P, assert_error, call, new_session

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.anyio
async def test_tool_endpoints(http: aiohttp.ClientSession) -> None:
    status, tool = await call(
        http, "GET", "/api/v3.1/tools/GMAIL_SEND_EMAIL?toolkit_versions[gmail]=20250101_00"
    )
    assert (
        status == 200 and tool["slug"] == "GMAIL_SEND_EMAIL" and tool["toolkit"]["slug"] == "gmail"
    )
    status, tool = await call(http, "GET", "/api/v3.1/tools/COMPOSIO_SEARCH_TOOLS")
    assert status == 200 and tool["toolkit"]["slug"] == "composio"
    status, payload = await call(http, "GET", "/api/v3.1/tools/NOPE")
    assert status == 404
    assert_error(payload, 404, "Tool_NotFound")
    status, page = await call(http, "GET", "/api/v3.1/tools?toolkit_slug=github&limit=2")
    assert status == 200 and page["total_items"] == 5 and len(page["items"]) == 2
    status, page = await call(http, "GET", "/api/v3.1/tools?tool_slugs=TEXT_REVERSE,CALCULATOR_ADD")
    assert [t["slug"] for t in page["items"]] == ["TEXT_REVERSE", "CALCULATOR_ADD"]
    status, page = await call(http, "GET", "/api/v3.1/tools", params={"query": "send email"})
    assert page["items"][0]["slug"] == "GMAIL_SEND_EMAIL"


@pytest.mark.anyio
async def test_search_shape_and_inline_customs(emu: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    emu.connect_account("user-1", "gmail")
    custom = {
        "slug": "lookup_order",
        "name": "Lookup order",
        "description": "Look up a shop order by its order number",
        "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}},
    }
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/search",
        json={
            "queries": [
                {
                    "use_case": "send an email with gmail to a colleague",
                    "known_fields": "recipient_email:ana@example.com",
                },
                {"use_case": "list open pull requests in a github repository"},
                {"use_case": "look up shop order 42"},
            ],
            "model": "gpt-4o",
            "experimental": {"custom_tools": [custom]},
        },
    )
    assert status == 200
    assert r["success"] is True and r["error"] is None
    assert [x["index"] for x in r["results"]] == [1, 2, 3]
    assert r["results"][0]["primary_tool_slugs"][0] == "GMAIL_SEND_EMAIL"
    assert r["results"][1]["primary_tool_slugs"][0] == "GITHUB_LIST_PULL_REQUESTS"
    assert r["results"][2]["primary_tool_slugs"][0] == "LOCAL_LOOKUP_ORDER"
    statuses = {s["toolkit"]: s for s in r["toolkit_connection_statuses"]}
    assert statuses["gmail"]["has_active_connection"] is True
    assert statuses["github"]["has_active_connection"] is False
    assert "COMPOSIO_MANAGE_CONNECTIONS" in statuses["github"]["status_message"]
    schema = r["tool_schemas"]["GMAIL_SEND_EMAIL"]
    assert (
        schema["hasFullSchema"] is True
        and "recipient_email" in schema["input_schema"]["properties"]
    )
    withheld = [s for s in r["tool_schemas"].values() if not s["hasFullSchema"]]
    assert withheld and withheld[0]["schemaRef"]["tool"] == "COMPOSIO_GET_TOOL_SCHEMAS"
    assert set(r["time_info"]) == {"current_time_utc", "current_time_utc_epoch_seconds", "message"}
    assert set(r["session"]) == {"id", "generate_id", "instructions"}
    assert isinstance(r["next_steps_guidance"], list)


@pytest.mark.anyio
async def test_files_round_trip_and_storage_refuses_credentials(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (await new_session(http))["session_id"]
    base = f"{P}/{sid}/mounts/files"
    status, up = await call(
        http,
        "POST",
        f"{base}/upload_url",
        json={"mount_relative_path": "data/out.csv", "mimetype": "text/csv"},
    )
    assert status == 200
    assert (
        up["mount_relative_path"] == "data/out.csv" and up["sandbox_mount_prefix"] == "/mnt/files"
    )
    assert up["expires_at"].endswith("Z")
    async with aiohttp.ClientSession() as storage:
        async with storage.put(
            up["upload_url"], data=b"a,b\n1,2\n", headers={"x-api-key": API_KEY}
        ) as resp:
            assert resp.status == 400
            assert_error(await resp.json(), 400, "Storage_CredentialsNotAllowed")
        async with storage.put(
            up["upload_url"], data=b"a,b\n1,2\n", headers={"content-type": "text/csv"}
        ) as resp:
            assert resp.status == 200
        status, down = await call(
            http, "POST", f"{base}/download_url", json={"mount_relative_path": "data/out.csv"}
        )
        assert status == 200
        async with storage.get(down["download_url"]) as resp:
            assert resp.status == 200 and await resp.read() == b"a,b\n1,2\n"
            assert resp.content_type == "text/csv"
        async with storage.put(down["download_url"], data=b"x") as resp:
            assert resp.status == 403
    status, items = await call(http, "GET", f"{base}/items?mount_relative_prefix=data/")
    assert items["items"] == [
        {
            "mount_relative_path": "data/out.csv",
            "sandbox_mount_prefix": "/mnt/files",
            "size": 8,
            "last_modified": items["items"][0]["last_modified"],
        }
    ]
    assert items.get("next_cursor") is None and "total_items" not in items
    for _ in range(2):  # idempotent
        status, deleted = await call(
            http, "POST", f"{base}/delete", json={"mount_relative_path": "data/out.csv"}
        )
        assert status == 200 and deleted == {
            "mount_relative_path": "data/out.csv",
            "sandbox_mount_prefix": "/mnt/files",
        }
    status, items = await call(http, "GET", f"{base}/items")
    assert items["items"] == []
    status, _ = await call(
        http, "POST", f"{base}/download_url", json={"mount_relative_path": "data/out.csv"}
    )
    assert status == 404
    status, _ = await call(http, "GET", f"{P}/{sid}/mounts/other/items")
    assert status == 404


def test_running_in_thread_from_sync_code() -> None:
    with Emulator.running_in_thread(api_key=API_KEY) as emu:
        ca = emu.connect_account("user-1", "gmail", alias="main")
        req = urllib.request.Request(
            f"{emu.url}/api/v3.1/connected_accounts/{ca}", headers={"x-api-key": API_KEY}
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
            assert b'"ACTIVE"' in resp.read()
        emu.set_account_status(ca, "EXPIRED")
        assert emu.connected_account(ca)["status"] == "EXPIRED"
        assert emu.mailbox("user-1") == [] and emu.issues("user-1") == []
        assert len(emu.journal.find(path="/api/v3.1/connected_accounts/*")) == 1
    with pytest.raises(RuntimeError):
        _ = Emulator().url  # not started


@pytest.mark.anyio
async def test_thread_emulator_used_from_an_event_loop() -> None:
    with Emulator.running_in_thread() as emu:
        async with aiohttp.ClientSession(emu.url, headers={"x-api-key": "k"}) as http:
            sid = (await new_session(http))["session_id"]
            assert sid in emu.sessions
            ca = await asyncio.to_thread(emu.connect_account, "user-1", "github")
            emu.complete_link(ca)


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "from composio_router_emulator.cli import serve; serve(port=0)"],
        ["-m", "composio_router_emulator", "--port", "0"],
        ["-m", "composio_router", "emulator", "--port", "0"],
    ],
    ids=["serve", "python -m composio_router_emulator", "python -m composio_router emulator"],
)
def test_cli_serve_prints_one_line_and_stops_on_sigterm(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("Tool Router emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert out == b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
