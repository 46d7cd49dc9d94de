"""A session's workbench files: ``session.experimental.files`` (spec §4.14-4.17).

The mount is what the sandbox sees at ``/mnt/files``. Each transfer is two hops: the
API hands out a presigned storage URL, then the bytes travel to or from storage on that
URL, without the API key (it belongs to the API's origin only, spec §1.3).

Uploads take bytes, a local path or a binary file object. Paths and file objects are
streamed in pieces read in worker threads, never read whole into memory. A download is
a :class:`AsyncRemoteFileHandle`: its ``download_url``, and ``read()`` / ``text()`` /
``save(path)`` to fetch it (``save`` streams to disk).
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
import os
import secrets
from collections.abc import AsyncIterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import anyio.to_thread

from ._checks import check_cursor, check_header_value, check_limit
from ._config import is_loopback_host
from ._retry import Idempotency
from ._transport import encode_query, path_segment
from .errors import APIResponseValidationError, InvalidInputError, scrub_text
from .models._converter import structure_response
from .models._unset import UNSET, Unset
from .models.files import FilesPage, RemoteFile
from .pagination import iterate_pages

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["DEFAULT_MOUNT", "AsyncRemoteFileHandle", "AsyncSessionFiles", "UploadSource", "check_relative_path"]

DEFAULT_MOUNT = "files"
_FILES_PAGE_MAX = 500
_READ_CHUNK = 256 * 1024  # bytes read from a local file per worker-thread hop

UploadSource = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]
"""What :meth:`AsyncSessionFiles.upload` takes: bytes, a local path, or a binary file object."""


def check_relative_path(path: object, what: str = "path") -> str:
    """A path relative to the mount: no leading slash, no parent segments (spec §4.15)."""
    if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
        raise InvalidInputError(f"{what} must be relative to the mount, without '..', got {path!r}")
    return path


def _presigned_url(answer: Mapping[str, Any], key: str) -> str:
    """The storage URL of an upload_url / download_url answer, or a validation error."""
    url = answer.get(key)
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        # https, or plain http to this machine (the emulator's storage): file contents
        # never travel in clear text over a network.
        usable = parts is not None and bool(parts.hostname) and (
            parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname or ""))
        )
    except ValueError:  # e.g. "http://[::1": an unbalanced IPv6 literal
        usable = False
    if not usable:
        raise APIResponseValidationError(
            f"the server's answer has no usable {key} ({type(url).__name__})", status_code=200,
        )
    return str(url)


def _text_field(answer: Mapping[str, Any], key: str, default: str) -> str:
    value = answer.get(key)
    return value if isinstance(value, str) else default


class _FileStream:
    """An open binary file as a transport :class:`~._transport.UploadStream`.

    Read in pieces in worker threads, so neither the event loop blocks nor the file sits
    whole in memory. A seekable file can start over (a storage redirect resends it).
    """

    __slots__ = ("_file", "_size", "_start")

    def __init__(self, file: IO[bytes], start: int | None, size: int | None) -> None:
        self._file = file
        self._start = start
        self._size = size

    @property
    def size(self) -> int | None:
        return self._size

    @property
    def replayable(self) -> bool:
        return self._start is not None

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._start is not None:
            await anyio.to_thread.run_sync(self._file.seek, self._start)
        while True:
            piece = await anyio.to_thread.run_sync(self._file.read, _READ_CHUNK)
            if not piece:
                return
            yield bytes(piece)


def _probe(file: IO[bytes]) -> tuple[int | None, int | None]:
    """Where a file object stands and how many bytes are left, when it can seek (else None, None)."""
    try:
        start = file.tell()
        end = file.seek(0, io.SEEK_END)
        file.seek(start)
    except (OSError, AttributeError, ValueError):
        return None, None
    return start, max(end - start, 0)


def _open_local(path: Path) -> tuple[IO[bytes], int]:
    if not path.is_file():
        raise InvalidInputError(f"no file to upload at {str(path)!r}")
    file = path.open("rb")
    return file, os.fstat(file.fileno()).st_size


def _guess_mimetype(name: str) -> str | None:
    return mimetypes.guess_type(name, strict=False)[0]


class AsyncSessionFiles:
    """The files mount of one session: list, upload, download and delete.

    Paths are relative to the mount (``data/report.csv``); inside the sandbox the file is
    at ``/mnt/files/data/report.csv``. ``mount_id`` names another mount (default
    ``"files"``). Every method takes ``timeout=``, which bounds the whole call.
    """

    __slots__ = ("_path", "_transport")

    def __init__(self, transport: Transport, session_path: str) -> None:
        self._transport = transport
        self._path = session_path

    def __repr__(self) -> str:
        return scrub_text(f"AsyncSessionFiles({self._path.rsplit('/', 1)[-1]!r})")

    def _mount_path(self, mount_id: str) -> str:
        return self._path + "/mounts/" + path_segment(mount_id, what="mount_id")

    def _time_left(self, timeout: float | None | Unset, started: float) -> float | None:
        # One timeout bounds the whole call: the storage hop gets what the API hop left.
        seconds = self._transport.seconds(timeout)
        return None if seconds is None else max(seconds - (anyio.current_time() - started), 0.0)

    async def list(
        self,
        path: str | None = None,
        *,
        mount_id: str = DEFAULT_MOUNT,
        cursor: str | None = None,
        limit: int | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> FilesPage:
        """One page of the files under ``path`` (a relative prefix such as ``data/``; ``"/"`` or None: all).

        Pass the page's ``next_cursor`` back as ``cursor`` for the next one, or use :meth:`iter`.
        """
        # "/" is the mount's root, as in the official SDK; any other path is a relative prefix.
        prefix = None if path is None or path == "/" else check_relative_path(path, "path")
        check_cursor(cursor)
        query = encode_query(
            {"cursor": cursor, "limit": check_limit(limit, _FILES_PAGE_MAX), "mount_relative_prefix": prefix}
        )
        data = await self._transport.request(
            "GET", self._mount_path(mount_id) + "/items", query=query, idempotency=Idempotency.SAFE, timeout=timeout
        )
        return structure_response(data, FilesPage)

    async def iter(
        self,
        path: str | None = None,
        *,
        mount_id: str = DEFAULT_MOUNT,
        limit: int | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> AsyncIterator[RemoteFile]:
        """Every file under ``path``, across pages; ``timeout`` bounds the whole walk."""
        async def page(cursor: str | None, remaining: float | None) -> FilesPage:
            return await self.list(path, mount_id=mount_id, cursor=cursor, limit=limit, timeout=remaining)

        async for item in iterate_pages(page, self._transport.seconds(timeout), "files"):
            yield item

    async def upload(
        self,
        source: UploadSource,
        *,
        remote_path: str | None = None,
        mimetype: str | None = None,
        mount_id: str = DEFAULT_MOUNT,
        timeout: float | None | Unset = UNSET,
    ) -> RemoteFile:
        """Store ``source`` in the mount and describe the stored file.

        ``source`` is bytes, a local path (``str`` or ``pathlib.Path``) or a binary file
        object (opened ``"rb"``; read from where it stands, not closed). Paths and file
        objects are streamed. ``remote_path`` defaults to the file's name; bytes need a
        ``remote_path``, or a ``mimetype`` to name them ``upload-<random>.<ext>``.
        ``mimetype`` defaults to a guess from the name. The bytes go to a presigned
        storage URL that never receives the API key; ``timeout`` bounds both hops.
        Call :meth:`download` for a handle to read the file back.
        """
        with self._transport.telemetry.operation("files.upload"):
            if mimetype is not None:
                # It becomes the storage request's Content-Type: checked before the first request.
                check_header_value(mimetype, "mimetype")
            opened: IO[bytes] | None = None
            body: bytes | _FileStream
            try:
                if isinstance(source, bytes | bytearray | memoryview):
                    body = bytes(source)
                    size: int | None = len(body)
                    name = remote_path
                    if name is None:
                        if mimetype is None:
                            raise InvalidInputError(
                                "uploading bytes needs remote_path= (the file's name in the mount) or mimetype="
                            )
                        name = f"upload-{secrets.token_hex(4)}{mimetypes.guess_extension(mimetype) or ''}"
                elif isinstance(source, str | os.PathLike):
                    local = Path(os.fspath(source))
                    if str(source).startswith(("http://", "https://")):
                        raise InvalidInputError(
                            "upload takes bytes, a local path or a file object, not a URL: fetch it first"
                        )
                    name = remote_path if remote_path is not None else local.name
                    check_relative_path(name, "remote_path")
                    try:
                        local_file, size = await anyio.to_thread.run_sync(_open_local, local)
                    except OSError as exc:
                        raise InvalidInputError(f"cannot read {str(local)!r}: {exc.strerror or exc}") from None
                    opened = local_file
                    body = _FileStream(local_file, 0, size)
                elif callable(getattr(source, "read", None)):
                    seen: object = source  # typed IO[bytes], but callers do pass text files
                    if isinstance(seen, io.TextIOBase):
                        raise InvalidInputError("the file object is open in text mode; open it with 'rb'")
                    file_name = getattr(source, "name", None)
                    name = remote_path
                    if name is None and isinstance(file_name, str) and file_name:
                        name = PurePosixPath(file_name.replace("\\", "/")).name
                    if name is None:
                        raise InvalidInputError("this file object has no name: pass remote_path=")
                    start, size = await anyio.to_thread.run_sync(_probe, source)
                    body = _FileStream(source, start, size)
                else:
                    raise InvalidInputError(
                        f"upload takes bytes, a local path or a binary file object, got {type(source).__name__}"
                    )
                check_relative_path(name, "remote_path")
                mime = mimetype if mimetype is not None else _guess_mimetype(name)
                wire: dict[str, Any] = {"mount_relative_path": name}
                if mime is not None:
                    wire["mimetype"] = mime
                started = anyio.current_time()
                target = await self._transport.request(
                    "POST", self._mount_path(mount_id) + "/upload_url", body=wire, idempotency=Idempotency.SAFE,
                    timeout=timeout,
                )
                await self._transport.storage_request(
                    "PUT", _presigned_url(target, "upload_url"), data=body,
                    content_type=mime or "application/octet-stream", timeout=self._time_left(timeout, started),
                )
            finally:
                if opened is not None:
                    opened.close()
            return RemoteFile(
                mount_relative_path=_text_field(target, "mount_relative_path", name),
                sandbox_mount_prefix=_text_field(target, "sandbox_mount_prefix", ""),
                size=size,
            )

    async def download(
        self, remote_path: str, *, mount_id: str = DEFAULT_MOUNT, timeout: float | None | Unset = UNSET
    ) -> AsyncRemoteFileHandle:
        """A handle on a stored file: its presigned ``download_url`` and ways to fetch it.

        Only the URL is requested here; ``read()``, ``text()`` and ``save()`` fetch the
        bytes (a GET to storage, without credentials).
        """
        with self._transport.telemetry.operation("files.download"):
            check_relative_path(remote_path, "remote_path")
            answer = await self._transport.request(
                "POST", self._mount_path(mount_id) + "/download_url", body={"mount_relative_path": remote_path},
                idempotency=Idempotency.SAFE, timeout=timeout,
            )
            return AsyncRemoteFileHandle(
                self._transport,
                download_url=_presigned_url(answer, "download_url"),
                mount_relative_path=_text_field(answer, "mount_relative_path", remote_path),
                sandbox_mount_prefix=_text_field(answer, "sandbox_mount_prefix", ""),
                expires_at=_text_field(answer, "expires_at", "") or None,
            )

    async def delete(
        self, remote_path: str, *, mount_id: str = DEFAULT_MOUNT, timeout: float | None | Unset = UNSET
    ) -> None:
        """Delete a file from the mount; deleting a missing file succeeds."""
        check_relative_path(remote_path, "remote_path")
        await self._transport.request(
            "POST", self._mount_path(mount_id) + "/delete", body={"mount_relative_path": remote_path},
            idempotency=Idempotency.SAFE, timeout=timeout,
        )


class AsyncRemoteFileHandle:
    """A file in a session's mount, ready to fetch from its presigned ``download_url``.

    ``read()`` returns the bytes (bounded by the client's ``max_response_bytes``),
    ``text()`` decodes them, ``save(path)`` streams them to disk (no size bound). The URL
    expires at ``expires_at``; :meth:`AsyncSessionFiles.download` gives a fresh one.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        download_url: str,
        mount_relative_path: str,
        sandbox_mount_prefix: str,
        expires_at: str | None,
    ) -> None:
        self._transport = transport
        self.download_url = download_url
        """The presigned storage URL (it authorises the download by itself: keep it private)."""
        self.mount_relative_path = mount_relative_path
        """The file's path in the mount, e.g. ``data/report.csv``."""
        self.sandbox_mount_prefix = sandbox_mount_prefix
        """Where the mount is in the sandbox, e.g. ``/mnt/files``."""
        self.expires_at = expires_at
        """When ``download_url`` stops working (ISO 8601), if the server said."""

    def __repr__(self) -> str:
        # Not the URL: its query is the credential for this file.
        return scrub_text(f"AsyncRemoteFileHandle(mount_relative_path={self.mount_relative_path!r})")

    @property
    def filename(self) -> str:
        """The file's own name (``report.csv``), without any directory."""
        # PureWindowsPath splits on both separators: a name crafted as "..\\x" loses its path too.
        return PureWindowsPath(self.mount_relative_path).name

    @property
    def sandbox_path(self) -> str:
        """Where the workbench sees the file, e.g. ``/mnt/files/data/report.csv``."""
        return f"{self.sandbox_mount_prefix.rstrip('/')}/{self.mount_relative_path}"

    async def read(self, *, timeout: float | None | Unset = UNSET) -> bytes:
        """The file's bytes. Larger than ``max_response_bytes``: :class:`APIResponseTooLargeError`
        (raise the client's limit, or :meth:`save` it instead)."""
        with self._transport.telemetry.operation("files.read"):
            return await self._transport.storage_request("GET", self.download_url, timeout=timeout)

    async def buffer(self, *, timeout: float | None | Unset = UNSET) -> bytes:
        """The official SDK's name for :meth:`read`."""
        return await self.read(timeout=timeout)

    async def text(self, encoding: str = "utf-8", *, timeout: float | None | Unset = UNSET) -> str:
        """The file's contents as text; bytes that do not decode raise :class:`InvalidInputError`."""
        raw = await self.read(timeout=timeout)
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InvalidInputError(f"{self.mount_relative_path} is not {encoding} text: {exc}") from None

    async def save(self, path: str | os.PathLike[str], *, timeout: float | None | Unset = UNSET) -> str:
        """Stream the file to ``path`` (into it, under :attr:`filename`, if it is a directory).

        The bytes go to a temporary file beside the target, renamed into place once
        complete: a failed download leaves no partial file. Returns the absolute path.
        """
        with self._transport.telemetry.operation("files.save"):
            target = Path(os.fspath(path))
            if await anyio.Path(target).is_dir():
                if self.filename in ("", ".", ".."):
                    raise InvalidInputError(f"{self.mount_relative_path!r} has no file name to save under")
                target = target / self.filename
            partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
            try:
                out = await anyio.open_file(partial, "xb")
            except OSError as exc:
                raise InvalidInputError(f"cannot write to {str(target)!r}: {exc.strerror or exc}") from None
            done = False
            try:
                async with out:
                    try:
                        await self._transport.storage_request("GET", self.download_url, sink=out.write, timeout=timeout)
                    except OSError as exc:  # raised by the sink: the local disk, not the network
                        raise InvalidInputError(f"writing {str(target)!r} failed: {exc.strerror or exc}") from None
                await anyio.Path(partial).replace(target)
                done = True
            finally:
                if not done:
                    with contextlib.suppress(OSError):
                        await anyio.Path(partial).unlink()
            return str(await anyio.Path(target).resolve())
