"""Workbench files: list, upload (presigned PUT), download, delete; no credential to storage."""

from __future__ import annotations

import pytest

from composio_router import AsyncSession, InvalidInputError
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio


async def test_files_round_trip(session: AsyncSession, emulator: Emulator) -> None:
    stored = await session.upload_file("data/report.csv", b"a,b\n1,2\n", mimetype="text/csv")
    assert stored.mount_relative_path == "data/report.csv"
    assert stored.sandbox_path.endswith("/data/report.csv")
    await session.upload_file("notes.txt", b"hello")

    page = await session.list_files("data/")
    assert [f.mount_relative_path for f in page.items] == ["data/report.csv"]
    assert page.items[0].size == 8
    everything = [f.mount_relative_path async for f in session.iter_files(limit=1)]
    assert sorted(everything) == ["data/report.csv", "notes.txt"]

    assert await session.download_file("data/report.csv") == b"a,b\n1,2\n"
    await session.delete_file("data/report.csv")
    await session.delete_file("data/report.csv")  # missing file: still fine
    assert [f.mount_relative_path async for f in session.iter_files()] == ["notes.txt"]

    storage = emulator.journal.find(path="/_storage/*")
    assert {e.method for e in storage} == {"PUT", "GET"}
    for entry in storage:  # the presigned storage never sees a Composio credential
        assert "x-api-key" not in entry.headers and "x-user-api-key" not in entry.headers
    upload = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/mounts/files/upload_url")[0]
    assert upload.body == {"mount_relative_path": "data/report.csv", "mimetype": "text/csv"}


@pytest.mark.parametrize("path", ["", "/etc/passwd", "a/../b", ".."])
async def test_bad_paths_refused_before_sending(session: AsyncSession, emulator: Emulator, path: str) -> None:
    before = len(emulator.journal)
    with pytest.raises(InvalidInputError):
        await session.download_file(path)
    assert len(emulator.journal) == before
