"""The API key never shows in a repr, a log record or an exception message."""

from __future__ import annotations

import logging

import pytest

from composio_router import AsyncComposio, ComposioError
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio
SECRET = "sk-live-0123456789abcdef-SECRET"


async def test_key_absent_from_logs_reprs_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with Emulator(api_key=SECRET) as emu, AsyncComposio(api_key=SECRET, base_url=emu.url) as composio:
        session = await composio.create(user_id="u")
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
        emu.faults.add("*", status=500, times=3, headers={"retry-after": "0"},
                       body=f'{{"error": {{"message": "bad key {SECRET}", "code": 1, "slug": "X", "status": 500, "suggested_fix": "rotate {SECRET}"}}}}'.encode())
        errors: list[ComposioError] = []
        try:
            await session.search("email")
        except ComposioError as exc:
            errors.append(exc)
        assert errors, "the fault must surface as an error"
        texts = [str(errors[0]), repr(errors[0]), str(getattr(errors[0], "suggested_fix", "")),
                 repr(composio), repr(composio.options), repr(session), repr(session.mcp), repr(session.info)]
        for text in texts:
            assert SECRET not in text
        assert "***" in str(errors[0])
        for entry in emu.journal:
            assert SECRET not in str(entry.headers)
    for record in caplog.records:
        assert SECRET not in record.getMessage()
