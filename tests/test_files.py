"""Workbench files: list, upload (presigned PUT), download, delete; no credential to storage."""

from __future__ import annotations

import pytest

from composio_router import AsyncSession, InvalidInputError
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio


async def test_files_round_trip(session: AsyncSession, emulator: Emulator) -> None:
    files = session.experimental.files
    stored = await files.upload(b"a,b\n1,2\n", remote_path="data/report.csv", mimetype="text/csv")
    assert stored.mount_relative_path == "data/report.csv"
    assert stored.sandbox_path.endswith("/data/report.csv")
    await files.upload(b"hello", remote_path="notes.txt")

    page = await files.list("data/")
    assert [f.mount_relative_path for f in page.items] == ["data/report.csv"]
    assert page.items[0].size == 8
    everything = [f.mount_relative_path async for f in files.iter(limit=1)]
    assert sorted(everything) == ["data/report.csv", "notes.txt"]

    assert await (await files.download("data/report.csv")).read() == b"a,b\n1,2\n"
    await files.delete("data/report.csv")
    await files.delete("data/report.csv")  # missing file: still fine
    assert [f.mount_relative_path async for f in files.iter()] == ["notes.txt"]

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
        await session.experimental.files.download(path)
    assert len(emulator.journal) == before
