from __future__ import annotations

import aiohttp
import pytest

from composio_router_emulator import Emulator

from ..conftest import API_KEY
from .conftest import P, assert_error, call, new_session

pytestmark = pytest.mark.anyio


async def test_link_then_visit_the_page_completes_it(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (await new_session(http))["session_id"]
    status, link = await call(
        http,
        "POST",
        f"{P}/{sid}/link",
        json={"toolkit": "github", "alias": "work", "callback_url": "https://app.example/cb"},
    )
    assert status == 201
    assert link["link_token"].startswith("lt_")
    assert link["redirect_url"] == f"{emulator.url}/link/{link['link_token']}"
    assert link["connected_account_id"].startswith("ca_")
    assert link["experimental"]["account_type"] == "PRIVATE"
    ca_path = f"/api/v3.1/connected_accounts/{link['connected_account_id']}"
    status, acc = await call(http, "GET", ca_path)
    assert status == 200
    assert acc["status"] == "INITIATED"
    assert acc["state"]["authScheme"] == "OAUTH2" and acc["state"]["val"]["status"] == "INITIATED"
    assert (
        acc["toolkit"] == {"slug": "github"}
        and acc["alias"] == "work"
        and acc["user_id"] == "user-1"
    )
    for key in (
        "auth_config",
        "data",
        "params",
        "is_disabled",
        "created_at",
        "updated_at",
        "word_id",
    ):
        assert key in acc
    # The user's browser: no API key.
    async with aiohttp.ClientSession() as browser, browser.get(link["redirect_url"]) as resp:
        assert resp.status == 200
        assert "text/html" in resp.headers["content-type"]
        assert "https://app.example/cb" in await resp.text()
    status, acc = await call(http, "GET", ca_path)
    assert acc["status"] == "ACTIVE" and acc["state"]["val"]["status"] == "ACTIVE"
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute",
        json={"tool_slug": "GITHUB_LIST_ISSUES", "arguments": {"owner": "a", "repo": "b"}},
    )
    assert r["result_type"] == "completed"


async def test_auto_complete_after_polls(anyio_backend: str) -> None:
    async with (
        Emulator(api_key=API_KEY, auto_complete_after_polls=3) as emu,
        aiohttp.ClientSession(emu.url, headers={"x-api-key": API_KEY}) as http,
    ):
        sid = (await new_session(http))["session_id"]
        _, link = await call(http, "POST", f"{P}/{sid}/link", json={"toolkit": "gmail"})
        statuses = []
        for _ in range(4):
            _, acc = await call(
                http, "GET", f"/api/v3.1/connected_accounts/{link['connected_account_id']}"
            )
            statuses.append(acc["status"])
        assert statuses == ["INITIATED", "INITIATED", "ACTIVE", "ACTIVE"]


async def test_link_errors_and_shared_accounts(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http, toolkits={"enable": ["gmail", "github", "weather"]}))[
        "session_id"
    ]
    status, payload = await call(
        http,
        "POST",
        f"{P}/{sid}/link",
        json={
            "toolkit": "gmail",
            "experimental": {"acl_config_for_shared": {"allow_all_users": True}},
        },
    )
    assert status == 400
    assert "acl_config_for_shared is only valid on SHARED" in payload["error"]["message"]
    for toolkit in ("nope", "weather", "slack"):
        status, payload = await call(http, "POST", f"{P}/{sid}/link", json={"toolkit": toolkit})
        assert status == 400, toolkit
    status, link = await call(
        http,
        "POST",
        f"{P}/{sid}/link",
        json={
            "toolkit": "github",
            "experimental": {
                "account_type": "SHARED",
                "acl_config_for_shared": {"allowed_user_ids": ["user-2"]},
            },
        },
    )
    assert status == 201
    assert link["experimental"] == {
        "account_type": "SHARED",
        "acl_config_for_shared": {
            "allow_all_users": False,
            "allowed_user_ids": ["user-2"],
            "not_allowed_user_ids": [],
        },
    }
    ca = emulator.complete_link(link["link_token"])
    # Pinning the shared account: allowed for user-2 by the ACL, refused for user-3.
    status, _ = await call(
        http, "POST", P, json={"user_id": "user-2", "connected_accounts": {"github": [ca]}}
    )
    assert status == 201
    status, payload = await call(
        http, "POST", P, json={"user_id": "user-3", "connected_accounts": {"github": [ca]}}
    )
    assert status == 400 and "another user" in payload["error"]["message"]
    status, _ = await call(http, "POST", f"{P}/{sid}/link", json={"toolkit": "gmail", "alias": "a"})
    status, payload = await call(
        http, "POST", f"{P}/{sid}/link", json={"toolkit": "gmail", "alias": "a"}
    )
    assert status == 400


async def test_connected_account_list_filters_and_pages(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    ids = [emulator.connect_account("u-a", "github") for _ in range(3)]
    emulator.connect_account("u-b", "gmail", status="FAILED")
    status, page = await call(
        http, "GET", "/api/v3.1/connected_accounts?user_ids=u-a&limit=2&order_direction=asc"
    )
    assert status == 200
    assert [i["id"] for i in page["items"]] == ids[:2]
    assert page["total_items"] == 3 and page["total_pages"] == 2
    status, page = await call(
        http,
        "GET",
        "/api/v3.1/connected_accounts",
        params={"user_ids": "u-a", "order_direction": "asc", "cursor": page["next_cursor"]},
    )
    assert [i["id"] for i in page["items"]] == ids[2:] and page["next_cursor"] is None
    status, page = await call(http, "GET", "/api/v3.1/connected_accounts?statuses=FAILED,EXPIRED")
    assert [i["user_id"] for i in page["items"]] == ["u-b"]
    status, _ = await call(http, "GET", "/api/v3.1/connected_accounts?statuses=WEIRD")
    assert status == 400
    status, payload = await call(http, "GET", "/api/v3.1/connected_accounts/ca_missing")
    assert status == 404
    assert_error(payload, 404, "ConnectedAccount_NotFound")


async def test_toolkits_listing(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    status, page = await call(http, "GET", f"{P}/{sid}/toolkits?limit=4")
    assert status == 200
    assert page["total_items"] == 10 and page["total_pages"] == 3 and page["current_page"] == 1
    seen = list(page["items"])
    while page["next_cursor"]:
        _, page = await call(
            http, "GET", f"{P}/{sid}/toolkits", params={"cursor": page["next_cursor"], "limit": "4"}
        )
        seen += page["items"]
    assert len(seen) == 10 and page["current_page"] == 3
    gmail = next(t for t in seen if t["slug"] == "gmail")
    assert gmail == {
        "slug": "gmail",
        "name": "Gmail",
        "enabled": True,
        "is_no_auth": False,
        "composio_managed_auth_schemes": ["OAUTH2"],
        "meta": {
            "logo": "https://logos.composio.dev/api/gmail",
            "description": gmail["meta"]["description"],
            "isNoAuth": False,
        },
        "connected_account": None,
    }
    ca = emulator.connect_account("user-1", "gmail")
    _, page = await call(http, "GET", f"{P}/{sid}/toolkits?is_connected=true")
    assert [t["slug"] for t in page["items"]] == ["gmail"]
    conn = page["items"][0]["connected_account"]
    assert (
        conn["id"] == ca
        and conn["status"] == "ACTIVE"
        and conn["auth_config"]["auth_scheme"] == "OAUTH2"
    )
    _, page = await call(http, "GET", f"{P}/{sid}/toolkits?search=calendar")
    assert [t["slug"] for t in page["items"]] == ["googlecalendar"]
    # A session filter restricts the listing; the `toolkits` query overrides it.
    sid2 = (await new_session(http, toolkits={"enable": ["weather"]}))["session_id"]
    _, page = await call(http, "GET", f"{P}/{sid2}/toolkits")
    assert [t["slug"] for t in page["items"]] == ["weather"]
    _, page = await call(http, "GET", f"{P}/{sid2}/toolkits?toolkits=gmail,weather")
    assert [(t["slug"], t["enabled"]) for t in page["items"]] == [
        ("gmail", False),
        ("weather", True),
    ]


async def test_proxy_execute(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    body = {
        "toolkit_slug": "github",
        "endpoint": "/repos/acme/api",
        "method": "POST",
        "body": {"a": 1},
        "parameters": [{"name": "x-trace", "type": "header", "value": "1"}],
    }
    status, r = await call(http, "POST", f"{P}/{sid}/proxy_execute", json=body)
    assert status == 200
    assert r["result_type"] == "completed" and r["status"] == 401
    ca = emulator.connect_account("user-1", "github")
    status, r = await call(http, "POST", f"{P}/{sid}/proxy_execute", json=body)
    assert r["status"] == 200 and r["data"]["method"] == "POST" and r["data"]["body"] == {"a": 1}
    assert r["data"]["connected_account_id"] == ca and r["data"]["parameters"] == body["parameters"]
    assert isinstance(r["headers"], dict)
    status, r = await call(
        http, "POST", f"{P}/{sid}/proxy_execute", json={**body, "method": "HEAD", "body": None}
    )
    assert status == 200 and r["status"] == 200 and r["data"] is None


async def test_non_session_link_and_patch_pins(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    status, link = await call(
        http,
        "POST",
        "/api/v3.1/connected_accounts/link",
        json={"auth_config_id": "ac_emugmail", "user_id": "user-9"},
    )
    assert status == 201
    assert link["expires_at"].endswith("Z") and link["redirect_url"].endswith(link["link_token"])
    status, _ = await call(
        http,
        "POST",
        "/api/v3.1/connected_accounts/link",
        json={"auth_config_id": "ac_other", "user_id": "u"},
    )
    assert status == 404
    ca = emulator.connect_account("user-1", "gmail")
    sid = (await new_session(http, connected_accounts={"gmail": [ca]}))["session_id"]
    status, body = await call(
        http, "PATCH", f"{P}/{sid}", json={"connected_accounts": {"gmail": None}}
    )
    assert status == 200 and body["config"]["connected_accounts"] == {}
    status, payload = await call(
        http, "PATCH", f"{P}/{sid}", json={"connected_accounts": {"gmail": ["ca_nope"]}}
    )
    assert status == 400 and "ca_nope" in payload["error"]["message"]
