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
