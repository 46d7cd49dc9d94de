"""Answers of the wrong type are rejected, not coerced; a key the server echoes stays masked.

A hostile (or broken) server is scripted with the emulator's faults: a fault with a body
answers in the server's place.

* Structuring is strict about types. A ``session_id`` of ``null``, ``12345`` or
  ``{"a": 1}`` used to become ``"None"``, ``"12345"``, ``"{'a': 1}"`` (and later requests
  went to ``/session/None``); now each is an ``APIResponseValidationError`` naming the
  field. An id no path can carry (``""``, ``".."``) is the server's fault, not the
  caller's. Unknown extra fields stay tolerated.
* A server that echoes the API key as the session id cannot make the SDK print it: not
  in a repr, an exception's path, a pickled exception or a DEBUG log line.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

import orjson
import pytest

from composio_router import (
    APIResponseValidationError,
    AsyncComposio,
    ComposioError,
    InvalidInputError,
)
from composio_router.testing import Emulator

from .hostile import session_json

pytestmark = pytest.mark.anyio

CREATE = "/api/v3.1/tool_router/session"
EXECUTE = "/api/v3.1/tool_router/session/*/execute"
JSON = {"Content-Type": "application/json"}


def answer(emulator: Emulator, path: str, body: Any, *, status: int = 200, method: str = "POST") -> None:
    emulator.faults.add(path, method=method, status=status, body=orjson.dumps(body), headers=JSON)


@pytest.mark.parametrize("bad_id", [None, 12345, {"a": 1}, ["trs_1"], True], ids=repr)
async def test_a_session_id_of_the_wrong_type_is_rejected(
    bad_id: Any, fast_client: AsyncComposio, emulator: Emulator
) -> None:
    answer(emulator, CREATE, {**session_json(), "session_id": bad_id}, status=201)
    with pytest.raises(APIResponseValidationError, match=r"session_id"):
        await fast_client.create(user_id="user-1")


@pytest.mark.parametrize("bad_id", ["", ".."])
async def test_an_unusable_session_id_is_the_servers_fault(
    bad_id: str, fast_client: AsyncComposio, emulator: Emulator
) -> None:
    answer(emulator, CREATE, {**session_json(), "session_id": bad_id}, status=201)
    with pytest.raises(APIResponseValidationError, match="session_id") as caught:
        await fast_client.create(user_id="user-1")
    assert not isinstance(caught.value, InvalidInputError)


@pytest.mark.parametrize("field", ["error", "log_id", "result_type"])
async def test_text_fields_of_a_result_do_not_take_objects(
    field: str, fast_client: AsyncComposio, emulator: Emulator
) -> None:
    session = await fast_client.create(user_id="user-1")
    answer(emulator, EXECUTE, {"data": {}, field: {"a": 1}})
    with pytest.raises(APIResponseValidationError, match=field):
        await session.execute("UTILS_ECHO", {})


async def test_extra_fields_are_still_tolerated(fast_client: AsyncComposio, emulator: Emulator) -> None:
    answer(emulator, CREATE, {**session_json("trs_extra"), "brand_new": {"x": [1, 2]}}, status=201)
    session = await fast_client.create(user_id="user-1")
    assert session.session_id == "trs_extra"


# -- an echoed key ------------------------------------------------------------------------------------


async def test_a_key_echoed_as_the_session_id_is_masked_everywhere(
    fast_client: AsyncComposio, emulator: Emulator, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    answer(emulator, CREATE, session_json(api_key), status=201)
    session = await fast_client.create(user_id="user-1")
    assert api_key not in repr(session)
    caplog.set_level(logging.DEBUG, logger="composio_router")
    emulator.faults.add("*", method="POST", status=500, times=None)
    with pytest.raises(ComposioError) as caught:
        await session.execute("UTILS_ECHO", {})
    error = caught.value
    for text in (str(error), repr(error), str(getattr(error, "path", "")), pickle.dumps(error).decode("latin-1")):
        assert api_key not in text
    revived = pickle.loads(pickle.dumps(error))
    assert api_key not in str(revived.path) and api_key not in str(revived)
    assert caplog.records, "the transport logged nothing at DEBUG"
    assert all(api_key not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("bad", [[], ["x"], "x", 3], ids=repr)
async def test_a_nested_object_of_the_wrong_type_is_rejected(
    bad: Any, fast_client: AsyncComposio, emulator: Emulator
) -> None:
    # A model from a list or a string used to be read as an object of defaults (mcp.url == "").
    answer(emulator, CREATE, {**session_json(), "mcp": bad}, status=201)
    with pytest.raises(APIResponseValidationError, match=r"mcp"):
        await fast_client.create(user_id="user-1")


async def test_a_redirect_to_another_origin_carries_nothing_about_the_caller(
    emulator: Emulator, api_key: str
) -> None:
    # The API answers 307 to another origin (another loopback port): the key, the caller's
    # default headers and the trace context must not follow.
    async with Emulator(api_key=api_key) as elsewhere:
        emulator.faults.add(
            CREATE, method="POST", status=307, body=b"",
            headers={"Location": f"{elsewhere.url}/api/v3.1/tool_router/session"},
        )
        from opentelemetry.sdk.trace import TracerProvider

        headers = {"Authorization": "Bearer gateway-secret-123456", "X-Tenant-Token": "tenant-secret-987654",
                   "Cookie": "sid=cookie-secret-555"}
        async with AsyncComposio(
            api_key=api_key, base_url=emulator.url, default_headers=headers, tracer_provider=TracerProvider()
        ) as client:
            with pytest.raises(ComposioError):  # the other origin refuses a request without the key
                await client.create(user_id="user-1")
        [first] = emulator.journal.find(method="POST")
        [followed] = elsewhere.journal.find(method="POST")
    caller = {"x-api-key", "authorization", "x-tenant-token", "traceparent", "cookie"}
    assert {name.lower() for name in first.headers} >= caller  # all of it went to the API
    assert not {name.lower() for name in followed.headers} & caller  # none of it went on


async def test_every_sdk_logger_scrubs_the_key(api_key: str, fast_client: AsyncComposio, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="composio_router")
    logging.getLogger("composio_router").warning("the server said %s and %r", api_key, {"k": api_key})
    assert caplog.records and all(api_key not in r.getMessage() for r in caplog.records)


async def test_a_redirected_execute_keeps_its_idempotency_key(emulator: Emulator, api_key: str) -> None:
    # The key is no secret, and without it a re-sent POST could run twice on the other side.
    async with Emulator(api_key=api_key) as elsewhere:
        async with AsyncComposio(api_key=api_key, base_url=emulator.url, max_retries=0) as client:
            session = await client.create(user_id="user-1")
            emulator.faults.add(
                EXECUTE, method="POST", status=307, body=b"",
                headers={"Location": f"{elsewhere.url}/api/v3.1/tool_router/session/{session.session_id}/execute"},
            )
            with pytest.raises(ComposioError):
                await session.execute("UTILS_ECHO", {}, idempotency_key="order-7")
        [followed] = elsewhere.journal.find(method="POST")
    sent = {name.lower(): value for name, value in followed.headers.items()}
    assert "x-api-key" not in sent
    assert "order-7" in sent.values()


async def test_a_log_line_without_a_key_keeps_its_template(api_key: str, fast_client: AsyncComposio, caplog: pytest.LogCaptureFixture) -> None:
    # Handlers that group by message template (Sentry) read msg and args: rewritten only to scrub.
    caplog.set_level(logging.DEBUG, logger="composio_router")
    logging.getLogger("composio_router").warning("retrying %s in %.1f s", "POST /x", 0.5)
    [record] = caplog.records
    assert record.msg == "retrying %s in %.1f s" and record.args == ("POST /x", 0.5)
