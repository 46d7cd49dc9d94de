from __future__ import annotations

import aiohttp
import pytest

from composio_router_emulator import Emulator

from ..conftest import API_KEY
from .conftest import P, assert_error, call, new_session

pytestmark = pytest.mark.anyio


async def test_missing_and_wrong_key_are_401_with_envelope_and_request_id(emulator: Emulator) -> None:
    async with aiohttp.ClientSession(emulator.url) as anon:
        async with anon.post(P, json={"user_id": "u"}) as resp:
            assert resp.status == 401
            assert resp.headers["x-request-id"]
            assert_error(await resp.json(), 401, "Auth_MissingApiKey")
        async with anon.post(P, json={"user_id": "u"}, headers={"x-api-key": "nope"}) as resp:
            assert resp.status == 401
            assert_error(await resp.json(), 401, "Auth_InvalidApiKey")
        async with anon.post(P, json={"user_id": "u"}, headers={"x-api-key": ""}) as resp:
            assert resp.status == 401


async def test_any_non_empty_key_when_unconfigured(anyio_backend: str) -> None:
    async with Emulator() as emu, aiohttp.ClientSession(emu.url) as http:
        status, _ = await call(
            http, "POST", P, json={"user_id": "u"}, headers={"x-api-key": "anything"}
        )
        assert status == 201


async def test_two_credential_headers_are_refused(http: aiohttp.ClientSession) -> None:
    status, body = await call(
        http, "GET", "/api/v3.1/tools/WEATHER_GET_FORECAST", headers={"x-user-api-key": "uak_1"}
    )
    assert status == 401
    assert_error(body, 401, "Auth_MultipleCredentials")


async def test_user_key_only_where_the_operations_table_allows_it(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (await new_session(http))["session_id"]
    ca = emulator.connect_account("user-1", "github")
    async with aiohttp.ClientSession(emulator.url, headers={"x-user-api-key": "uak_test"}) as user:
        ok = [
            ("GET", f"/api/v3.1/connected_accounts/{ca}", None),
            ("GET", "/api/v3.1/connected_accounts", None),
            ("GET", "/api/v3.1/tools/WEATHER_GET_FORECAST", None),
            ("GET", "/api/v3.1/tools", None),
            (
                "POST",
                f"{P}/{sid}/proxy_execute",
                {"toolkit_slug": "github", "endpoint": "/user", "method": "GET"},
            ),
        ]
        for method, path, body in ok:
            status, payload = await call(user, method, path, json=body)
            assert status == 200, (path, payload)
        refused = [
            ("POST", f"{P}/{sid}/search", {"queries": [{"use_case": "x"}]}),
            ("POST", f"{P}/{sid}/link", {"toolkit": "gmail"}),
            ("GET", f"{P}/{sid}/tools", None),
            ("GET", f"{P}/{sid}", None),
        ]
        for method, path, body in refused:
            status, payload = await call(user, method, path, json=body)
            assert status == 401, path
            assert_error(payload, 401, "Auth_CredentialNotAccepted")


async def test_org_key_is_not_accepted(emulator: Emulator) -> None:
    async with aiohttp.ClientSession(emulator.url, headers={"x-org-api-key": "oak_1"}) as org:
        status, body = await call(org, "POST", P, json={"user_id": "u"})
    assert status == 401
    assert_error(body, 401)


async def test_credentials_are_redacted_in_the_journal(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    await new_session(http)
    entry = emulator.journal.find("POST", P)[-1]
    assert entry.headers["x-api-key"] == "<redacted>"
    assert API_KEY not in repr(entry)
    assert entry.body == {"user_id": "user-1"}
    assert entry.status == 201


async def test_request_id_is_echoed_when_sent(http: aiohttp.ClientSession) -> None:
    async with http.get(f"{P}/trs_missing", headers={"x-request-id": "abc123"}) as resp:
        assert resp.status == 404
        assert resp.headers["x-request-id"] == "abc123"
        assert (await resp.json())["error"]["request_id"] == "abc123"
