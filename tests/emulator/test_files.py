"""Workbench files: presigned upload and download, listing and delete; storage refuses credentials."""

from __future__ import annotations

import aiohttp
import pytest

from composio_router_emulator import Emulator

from ..conftest import API_KEY
from .conftest import P, assert_error, call, new_session


@pytest.mark.anyio
async def test_files_round_trip_and_storage_refuses_credentials(
    emulator: Emulator, http: aiohttp.ClientSession
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
