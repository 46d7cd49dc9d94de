"""Workbench files: the mounts of a session's sandbox (spec §4.15).

Each transfer is two hops: the API hands out a presigned storage URL, then the bytes
travel to or from storage on that URL, without the API key (it belongs to the API's
origin only, spec §1.3). One ``timeout`` bounds both hops together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio

from ._checks import check_cursor, check_header_value, check_limit
from ._config import is_loopback_host
from ._retry import Idempotency
from ._transport import encode_query, path_segment
from .errors import APIResponseValidationError, InvalidInputError
from .models._converter import structure_response
from .models._unset import Unset
from .models.files import FilesPage, RemoteFile

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["WorkbenchFiles", "check_relative_path"]

_FILES_PAGE_MAX = 500


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


class WorkbenchFiles:
    """The files endpoints of one session; ``AsyncSession``'s file methods call these."""

    __slots__ = ("_path", "_transport")

    def __init__(self, transport: Transport, session_path: str) -> None:
        self._transport = transport
        self._path = session_path

    def _mount_path(self, mount_id: str) -> str:
        return self._path + "/mounts/" + path_segment(mount_id, what="mount_id")

    def _time_left(self, timeout: float | None | Unset, started: float) -> float | None:
        # One timeout bounds the whole call: the storage hop gets what the API hop left.
        seconds = self._transport.seconds(timeout)
        return None if seconds is None else max(seconds - (anyio.current_time() - started), 0.0)

    async def list_page(
        self, prefix: str | None, *, mount_id: str, cursor: str | None, limit: int | None,
        timeout: float | None | Unset,
    ) -> FilesPage:
        if prefix is not None:
            check_relative_path(prefix, "prefix")  # the same rules as every other file path
        check_cursor(cursor)
        query = encode_query(
            {"cursor": cursor, "limit": check_limit(limit, _FILES_PAGE_MAX), "mount_relative_prefix": prefix}
        )
        data = await self._transport.request(
            "GET", self._mount_path(mount_id) + "/items", query=query, idempotency=Idempotency.SAFE, timeout=timeout
        )
        return structure_response(data, FilesPage)

    async def upload(
        self, path: str, content: bytes, *, mimetype: str | None, mount_id: str, timeout: float | None | Unset
    ) -> RemoteFile:
        check_relative_path(path)
        if not isinstance(content, bytes | bytearray | memoryview):
            raise InvalidInputError(f"content must be bytes, got {type(content).__name__}")
        body: dict[str, Any] = {"mount_relative_path": path}
        if mimetype is not None:
            # It becomes the storage request's Content-Type: checked before the first request.
            body["mimetype"] = check_header_value(mimetype, "mimetype")
        started = anyio.current_time()
        target = await self._transport.request(
            "POST", self._mount_path(mount_id) + "/upload_url", body=body, idempotency=Idempotency.SAFE, timeout=timeout
        )
        await self._transport.storage_request(
            "PUT", _presigned_url(target, "upload_url"), data=bytes(content),
            content_type=mimetype or "application/octet-stream", timeout=self._time_left(timeout, started),
        )
        return RemoteFile(
            mount_relative_path=str(target.get("mount_relative_path", path)),
            sandbox_mount_prefix=str(target.get("sandbox_mount_prefix", "")),
            size=len(content),
        )

    async def download(self, path: str, *, mount_id: str, timeout: float | None | Unset) -> bytes:
        check_relative_path(path)
        started = anyio.current_time()
        target = await self._transport.request(
            "POST", self._mount_path(mount_id) + "/download_url", body={"mount_relative_path": path},
            idempotency=Idempotency.SAFE, timeout=timeout,
        )
        return await self._transport.storage_request(
            "GET", _presigned_url(target, "download_url"), timeout=self._time_left(timeout, started)
        )

    async def delete(self, path: str, *, mount_id: str, timeout: float | None | Unset) -> None:
        check_relative_path(path)
        await self._transport.request(
            "POST", self._mount_path(mount_id) + "/delete", body={"mount_relative_path": path},
            idempotency=Idempotency.SAFE, timeout=timeout,
        )
