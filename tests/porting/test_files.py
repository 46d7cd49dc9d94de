"""``session.experimental.files``: uploads from bytes, paths and file objects (streamed),
downloads as handles (``download_url``, ``read``, ``text``, ``save`` streaming to disk)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from composio_router import (
    APIResponseTooLargeError,
    APIStatusError,
    AsyncComposio,
    AsyncSession,
    Composio,
    InvalidInputError,
)
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio
STORAGE = "/_storage/*"
CHUNK_LIMIT = 256 * 1024


class CountingReader(io.RawIOBase):
    """A binary stream that records every read, to show the upload is streamed."""

    def __init__(self, data: bytes, *, seekable: bool = True) -> None:
        self._data = io.BytesIO(data)
        self._seekable = seekable
        self.reads: list[int | None] = []
        self.name = "numbers.bin"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(size)
        return self._data.read(size)

    def tell(self) -> int:
        if not self._seekable:
            raise OSError("not seekable")
        return self._data.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self._seekable:
            raise OSError("not seekable")
        return self._data.seek(offset, whence)


async def _stored(session: AsyncSession, path: str) -> bytes:
    return await (await session.experimental.files.download(path)).read()


async def test_a_file_object_is_streamed_in_pieces_with_its_length(session: AsyncSession, emulator: Emulator) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    reader = CountingReader(data)
    stored = await session.experimental.files.upload(reader)
    assert (stored.mount_relative_path, stored.size) == ("numbers.bin", len(data))
    assert reader.reads and all(size is not None and 0 < size <= CHUNK_LIMIT for size in reader.reads)
    put = emulator.journal.find(method="PUT", path=STORAGE)[-1]
    assert put.headers.get("content-length") == str(len(data)) and "transfer-encoding" not in put.headers
    assert await _stored(session, "numbers.bin") == data


async def test_a_stream_that_cannot_seek_is_sent_chunked(session: AsyncSession, emulator: Emulator) -> None:
    reader = CountingReader(b"abc" * 1000, seekable=False)
    await session.experimental.files.upload(reader, remote_path="pipe.txt")
    assert emulator.journal.find(method="PUT", path=STORAGE)[-1].headers.get("transfer-encoding") == "chunked"
    assert await _stored(session, "pipe.txt") == b"abc" * 1000


async def test_a_local_path_is_named_and_typed_from_its_file(
    session: AsyncSession, emulator: Emulator, tmp_path: Path
) -> None:
    source = tmp_path / "report.csv"
    source.write_bytes(b"a,b\n1,2\n")
    for given in (source, str(source)):
        stored = await session.experimental.files.upload(given)
        assert stored.mount_relative_path == "report.csv" and stored.size == 8
    upload = emulator.journal.find(method="POST", path="*/upload_url")[-1]
    assert upload.body == {"mount_relative_path": "report.csv", "mimetype": "text/csv"}
    assert await _stored(session, "report.csv") == b"a,b\n1,2\n"
    named = await session.experimental.files.upload(b"{}", mimetype="application/json")
    assert named.mount_relative_path.startswith("upload-") and named.mount_relative_path.endswith(".json")


@pytest.mark.parametrize(
    ("source", "kwargs", "message"),
    [
        (b"x", {}, "remote_path"),
        ("https://example.com/a.txt", {}, "not a URL"),
        ("/definitely/not/here.txt", {}, "no file to upload"),
        (io.StringIO("text"), {"remote_path": "a.txt"}, "text mode"),
        (io.BytesIO(b"x"), {}, "no name"),
        (12, {}, "got int"),
        (b"x", {"remote_path": "../a"}, "without '..'"),
    ],
)
async def test_bad_uploads_are_refused_before_sending(
    session: AsyncSession, emulator: Emulator, source: object, kwargs: dict[str, str], message: str
) -> None:
    before = len(emulator.journal)
    with pytest.raises(InvalidInputError, match=message):
        await session.experimental.files.upload(source, **kwargs)  # type: ignore[arg-type]
    assert len(emulator.journal) == before


async def test_save_streams_to_disk_past_the_response_limit(
    emulator: Emulator, api_key: str, tmp_path: Path
) -> None:
    data = b"0123456789" * 1000
    async with AsyncComposio(api_key=api_key, base_url=emulator.url, max_response_bytes=4096) as composio:
        session = await composio.create(user_id="u")
        await session.experimental.files.upload(data, remote_path="logs/big.log")
        handle = await session.experimental.files.download("logs/big.log")
        assert (handle.filename, handle.sandbox_path) == ("big.log", "/mnt/files/logs/big.log")
        assert "download_url" not in repr(handle) and handle.download_url not in repr(handle)
        with pytest.raises(APIResponseTooLargeError):
            await handle.read()  # read() holds it in memory: bounded
        saved = await handle.save(tmp_path)  # a directory: saved under the file's name
        assert Path(saved) == (tmp_path / "big.log").resolve() and Path(saved).read_bytes() == data
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.log"]  # no partial file left


async def test_a_failed_save_leaves_nothing_behind(session: AsyncSession, emulator: Emulator, tmp_path: Path) -> None:
    await session.experimental.files.upload(b"hello", remote_path="a.txt")
    handle = await session.experimental.files.download("a.txt")
    emulator.faults.add(STORAGE, method="GET", status=500, times=1)
    with pytest.raises(APIStatusError):
        await handle.save(tmp_path / "a.txt")
    assert list(tmp_path.iterdir()) == []
    assert await handle.text() == "hello"


async def test_text_that_does_not_decode_is_invalid_input(session: AsyncSession) -> None:
    await session.experimental.files.upload(b"\xff\xfe\x00", remote_path="binary.dat")
    handle = await session.experimental.files.download("binary.dat")
    with pytest.raises(InvalidInputError, match="utf-8"):
        await handle.text()
    assert await handle.buffer() == b"\xff\xfe\x00"


def test_the_sync_facade_has_the_same_files(sync_client: Composio, tmp_path: Path) -> None:
    session = sync_client.create(user_id="u")
    source = tmp_path / "notes.txt"
    source.write_text("sync notes")
    files = session.experimental.files
    assert files is session.experimental.files
    files.upload(source, remote_path="notes/n.txt")
    assert [f.mount_relative_path for f in files.iter()] == ["notes/n.txt"]
    handle = files.download("notes/n.txt")
    assert handle.text() == "sync notes"
    assert Path(handle.save(tmp_path / "copy.txt")).read_text() == "sync notes"
    files.delete("notes/n.txt")
    assert files.list().items == []
    assert session.experimental.assistive_prompt is not None
