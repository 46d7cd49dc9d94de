"""Helpers for the emulator's own tests, which speak the wire through the shared ``http``."""

from __future__ import annotations

from typing import Any

import aiohttp

P = "/api/v3.1/tool_router/session"


async def call(
    http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    """One request; returns (status, parsed JSON body or text)."""
    async with http.request(method, path, **kwargs) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()


async def new_session(http: aiohttp.ClientSession, **config: Any) -> dict[str, Any]:
    status, body = await call(http, "POST", P, json={"user_id": "user-1", **config})
    assert status == 201, body
    return body  # type: ignore[no-any-return]


def assert_error(body: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    err = body["error"]
    assert err["status"] == status
    assert err["code"] == status and type(err["code"]) is int
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["slug"], str) and err["slug"]
    assert err["request_id"]
    if slug is not None:
        assert err["slug"] == slug, err
    return err  # type: ignore[no-any-return]
