"""The workbench's file mount (spec §4.14-4.17: list, upload URL, download URL, delete) and
the presigned storage origin those URLs point at."""

from __future__ import annotations

import posixpath
import time

from aiohttp import web

from .._runtime import Runtime
from .._state import StorageGrant, StoredFile, StoredSession
from .._validation import Obj, Str, opt, req
from .._wire import ApiError, QueryInt, QueryStr, bad_request, iso, json_response, new_id, paginate
from ._request import path_session, read_body, read_query, runtime_of

__all__ = ["delete_file", "download_url", "list_files", "storage", "upload_url"]

# Where the mount appears inside the workbench sandbox (echoed in every answer).
SANDBOX_PREFIX = "/mnt/files"
_GRANT_TTL = 3600.0  # seconds a presigned URL stays valid

_FILE_PATH = Obj({"mount_relative_path": req(Str(1))})
_UPLOAD = Obj({"mount_relative_path": req(Str(1)), "mimetype": opt(Str(1))})


def _mount(rt: Runtime, request: web.Request) -> tuple[StoredSession, str, dict[str, StoredFile]]:
    s = path_session(rt, request)
    mount_id = request.match_info["mount_id"]
    if mount_id != "files":
        raise ApiError(
            404,
            f"Mount {mount_id} not found (the emulator has the 'files' mount)",
            "ToolRouter_MountNotFound",
        )
    return s, mount_id, s.files.setdefault(mount_id, {})


def _clean_path(path: str) -> str:
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or "" in parts[:-1] or path.endswith("/"):
        raise bad_request(
            f"body.mount_relative_path: must be a relative file path without '..' ({path!r})"
        )
    return posixpath.normpath(path)


def _grant(
    rt: Runtime, s: StoredSession, mount_id: str, path: str, method: str, mimetype: str
) -> tuple[str, str]:
    token = new_id("st_", 24)
    expires = time.time() + _GRANT_TTL
    rt.state.grants[token] = StorageGrant(s.session_id, mount_id, path, method, mimetype, expires)
    return f"{rt.url}/_storage/{token}", iso(expires)


async def list_files(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    _, _, files = _mount(rt, request)
    q = read_query(
        request,
        {"cursor": QueryStr(1), "limit": QueryInt(1, 500), "mount_relative_prefix": QueryStr(1)},
    )
    prefix = q.get("mount_relative_prefix", "")
    items = [
        {
            "mount_relative_path": path,
            "sandbox_mount_prefix": SANDBOX_PREFIX,
            "size": len(f.data),
            "last_modified": iso(f.modified),
        }
        for path, f in sorted(files.items())
        if path.startswith(prefix)
    ]
    page, env = paginate(items, q.get("cursor"), q.get("limit"), default_limit=100, max_limit=500)
    out: dict[str, object] = {"items": page}
    if env["next_cursor"] is not None:
        # Absent on the last page, not null: the vendor's TS SDK types it `next_cursor?: string`
        # and rejects a null (§4.14).
        out["next_cursor"] = env["next_cursor"]
    return json_response(out)


async def upload_url(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    s, mount_id, _ = _mount(rt, request)
    body = read_body(request, _UPLOAD)
    path = _clean_path(body["mount_relative_path"])
    url, expires = _grant(
        rt, s, mount_id, path, "PUT", body.get("mimetype", "application/octet-stream")
    )
    return json_response(
        {
            "upload_url": url,
            "mount_relative_path": path,
            "sandbox_mount_prefix": SANDBOX_PREFIX,
            "expires_at": expires,
        }
    )


async def download_url(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    s, mount_id, files = _mount(rt, request)
    body = read_body(request, _FILE_PATH)
    path = _clean_path(body["mount_relative_path"])
    if path not in files:
        raise ApiError(404, f"File {path} not found in mount {mount_id}", "ToolRouter_FileNotFound")
    url, expires = _grant(rt, s, mount_id, path, "GET", files[path].mimetype)
    return json_response(
        {
            "download_url": url,
            "mount_relative_path": path,
            "sandbox_mount_prefix": SANDBOX_PREFIX,
            "expires_at": expires,
        }
    )


async def delete_file(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    _, _, files = _mount(rt, request)
    body = read_body(request, _FILE_PATH)
    path = _clean_path(body["mount_relative_path"])
    files.pop(path, None)
    return json_response({"mount_relative_path": path, "sandbox_mount_prefix": SANDBOX_PREFIX})


async def storage(request: web.Request) -> web.StreamResponse:
    """The presigned-URL storage origin: no credentials accepted (they must never leak here)."""
    rt = runtime_of(request)
    leaked = [
        h
        for h in ("x-api-key", "x-user-api-key", "x-org-api-key", "authorization")
        if h in request.headers
    ]
    if leaked:
        raise ApiError(
            400,
            f"Credential header(s) {', '.join(leaked)} must not be sent to presigned storage URLs",
            "Storage_CredentialsNotAllowed",
        )
    grant = rt.state.grants.get(request.match_info["token"])
    if grant is None or grant.expires < time.time() or grant.method != request.method:
        raise ApiError(
            403,
            "The presigned URL is invalid, expired or used with the wrong method",
            "Storage_InvalidSignature",
        )
    s = rt.state.sessions.get(grant.session_id)
    if s is None:
        raise ApiError(404, "The session of this presigned URL was deleted", "Storage_NotFound")
    files = s.files.setdefault(grant.mount_id, {})
    if request.method == "PUT":
        data = await request.read()
        mimetype = request.headers.get("content-type", grant.mimetype)
        files[grant.path] = StoredFile(data, mimetype, time.time())
        return web.Response(status=200, headers={"etag": f'"{len(data):x}"'})
    stored = files.get(grant.path)
    if stored is None:
        raise ApiError(404, f"File {grant.path} not found", "Storage_NotFound")
    return web.Response(body=stored.data, headers={"content-type": stored.mimetype})
