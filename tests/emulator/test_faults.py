from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from composio_router_emulator import Emulator

from ..conftest import API_KEY
from .conftest import P, assert_error, call, new_session

pytestmark = pytest.mark.anyio


async def test_status_sequence_with_retry_after_then_success(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    f1 = emulator.faults.add(P, method="POST", status=429, headers={"retry-after": "0"})
    f2 = emulator.faults.add(P, method="post", status=503, headers={"retry-after-ms": "10"})
    seen = []
    for _ in range(3):
        async with http.post(P, json={"user_id": "u"}) as resp:
            seen.append(
                (resp.status, resp.headers.get("retry-after"), resp.headers.get("retry-after-ms"))
            )
            body = await resp.json()
            assert resp.headers["x-request-id"]
            if resp.status >= 400:
                assert_error(body, resp.status)
    assert seen == [(429, "0", None), (503, None, "10"), (201, None, None)]
    assert (f1.hits, f2.hits) == (1, 1) and f1.spent and f2.spent
    # Only the last request ran the handler.
    assert len(emulator.sessions) == 1
    assert [e.status for e in emulator.journal.find("POST", P)] == [429, 503, 201]


async def test_times_and_matching(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    fault = emulator.faults.add(f"{P}/*/execute", status=500, times=2)
    body = {"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}}
    statuses = []
    for _ in range(3):
        status, _ = await call(http, "POST", f"{P}/{sid}/execute", json=body)
        statuses.append(status)
    status, _ = await call(http, "GET", f"{P}/{sid}")  # not matched
    assert statuses == [500, 500, 200] and status == 200 and fault.hits == 2
    forever = emulator.faults.add("/api/v3.1/tools/*", method="GET", status=502, times=None)
    for _ in range(3):
        status, _ = await call(http, "GET", "/api/v3.1/tools/TEXT_UPPERCASE")
        assert status == 502
    assert forever.hits == 3
    emulator.faults.clear()
    status, _ = await call(http, "GET", "/api/v3.1/tools/TEXT_UPPERCASE")
    assert status == 200


async def test_raw_body_fault(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    emulator.faults.add(P, status=502, body=b"<html>502 Bad Gateway</html>")
    async with http.post(P, json={"user_id": "u"}) as resp:
        assert resp.status == 502
        assert resp.content_type == "text/html"
        assert await resp.text() == "<html>502 Bad Gateway</html>"
    assert len(emulator.sessions) == 0


async def test_drop_closes_the_connection_without_running_the_handler(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    emulator.faults.add(P, action="drop")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with http.post(P, json={"user_id": "u"}) as resp:
            await resp.read()
    assert len(emulator.sessions) == 0
    assert emulator.journal[-1].status == 0
    status, _ = await call(http, "POST", P, json={"user_id": "u"})
    assert status == 201


async def test_malformed_json(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    emulator.faults.add(f"{P}/{sid}/execute", action="malformed")
    async with http.post(
        f"{P}/{sid}/execute", json={"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}}
    ) as resp:
        assert resp.status == 200
        raw = await resp.read()
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)


async def test_truncate_runs_the_handler_then_cuts_the_body(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    emulator.faults.add(P, method="POST", action="truncate")
    async with http.post(P, json={"user_id": "u"}) as resp:
        assert resp.status == 201
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    assert len(emulator.sessions) == 1  # it ran
    assert emulator.journal[-1].status == 201


async def test_extra_fields_fault_and_global_switch(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (await new_session(http))["session_id"]
    emulator.faults.add(f"{P}/*", method="GET", action="extra_fields")
    status, body = await call(http, "GET", f"{P}/{sid}")
    assert status == 200
    assert "x_emulator_unknown_field" in body
    assert "x_emulator_unknown_field" in body["config"]
    assert "x_emulator_unknown_field" in body["config"]["workbench"]
    assert "x_emulator_unknown_field" in body["mcp"] and body["mcp"]["type"] == "http"
    status, body = await call(http, "GET", f"{P}/{sid}")
    assert "x_emulator_unknown_field" not in body
    emulator.extra_fields = True
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute",
        json={"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}},
    )
    assert r["result_type"] == "completed"  # enum-like values unchanged
    assert r["data"] == {"text": "A"}  # free-form tool output untouched
    assert "x_emulator_unknown_field" in r
    status, page = await call(http, "GET", f"{P}/{sid}/tools")
    assert "x_emulator_unknown_field" in page and "x_emulator_unknown_field" in page["items"][0]
    assert "x_emulator_unknown_field" not in page["items"][0]["input_parameters"]
    status, err = await call(http, "GET", f"{P}/trs_nope")
    assert status == 404 and "x_emulator_unknown_field" in err["error"]


async def test_delay_triggers_client_timeouts(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    emulator.faults.add("/api/v3.1/tools/*", delay=0.5)
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            "/api/v3.1/tools/TEXT_UPPERCASE", timeout=aiohttp.ClientTimeout(total=0.1)
        ) as resp:
            await resp.read()
    status, _ = await call(http, "GET", "/api/v3.1/tools/TEXT_UPPERCASE")
    assert status == 200


async def test_latency_applies_to_api_requests(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    emulator.latency = 0.05
    status, _ = await call(http, "GET", "/api/v3.1/tools/TEXT_UPPERCASE")
    assert status == 200
    assert emulator.journal[-1].duration >= 0.05
    emulator.latency = 0.0


async def test_concurrent_requests_overlap_in_the_journal(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (await new_session(http))["session_id"]
    body = {"tool_slug": "UTILS_SLEEP", "arguments": {"seconds": 0.2}}
    await asyncio.gather(*(call(http, "POST", f"{P}/{sid}/execute", json=body) for _ in range(3)))
    entries = emulator.journal.find("POST", f"{P}/*/execute")
    assert len(entries) == 3
    assert max(e.started for e in entries) < min(e.finished for e in entries)


async def test_journal_is_bounded_and_clearable(anyio_backend: str) -> None:
    async with (
        Emulator(journal_limit=3) as emu,
        aiohttp.ClientSession(emu.url, headers={"x-api-key": API_KEY}) as http,
    ):
        for i in range(5):
            await call(http, "GET", f"/api/v3.1/tools/TEXT_UPPERCASE?version={i}")
        assert len(emu.journal) == 3
        assert [e.query for e in emu.journal] == [
            {"version": "2"},
            {"version": "3"},
            {"version": "4"},
        ]
        assert emu.journal[-1].query_string == "version=4"
        emu.journal.clear()
        assert len(emu.journal) == 0


def test_fault_arguments_are_checked() -> None:
    emu = Emulator()
    with pytest.raises(ValueError, match="action"):
        emu.faults.add(action="explode")
    with pytest.raises(ValueError, match="times"):
        emu.faults.add(times=0)
