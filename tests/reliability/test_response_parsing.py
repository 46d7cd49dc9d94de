"""Hostile response bodies (issue point 6a): a typed error or a tolerated model, nothing else.

Two layers. Without a network, the converter every response goes through
(``structure_response``) and the transport's status-error parser are fed random JSON,
wrong types, unknown enum values and extra keys, and mutations of real answers captured
from the emulator. Over loopback, the emulator's faults put random, truncated, malformed
and oversized bodies on the wire, and small ``aiohttp`` servers written here stream
bodies without a ``Content-Length`` and serve gzip bombs: oversized answers are cut at
``max_response_bytes`` and the client keeps working.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import gzip
import importlib
import pickle
import sys
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Literal, TypeVar, Union

import aiohttp
import attrs
import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from composio_router import (
    APIConnectionError,
    APIResponseTooLargeError,
    APIResponseValidationError,
    APIStatusError,
    AsyncComposio,
    AsyncSession,
    ComposioError,
    Session,
    tool,
)
from composio_router._config import ClientOptions
from composio_router._transport import Transport
from composio_router.errors import status_error_class
from composio_router.models import (
    AuthLink,
    ConfigHistoryEntry,
    ConnectedAccount,
    DeletedSession,
    ExecuteResult,
    Page,
    ProxyExecuteResult,
    SearchResponse,
    SessionInfo,
    Tool,
    ToolkitInfo,
)
from composio_router.models._converter import structure_response
from composio_router.models.files import FilesPage, RemoteFile
from composio_router.testing import Emulator
from composio_router_emulator._app import _with_extra

from ..conftest import API_KEY

pytestmark = pytest.mark.anyio

EXECUTE = "/api/v3.1/tool_router/session/*/execute"
SEARCH = "/api/v3.1/tool_router/session/*/search"
JSON_HEADERS = {"Content-Type": "application/json"}
LIMIT = 64 * 1024  # max_response_bytes of the clients that meet oversized bodies
MIB = 1024 * 1024

# Every model a response is structured into (session.py, client.py, connections.py).
RESPONSE_MODELS: tuple[Any, ...] = (
    SessionInfo,
    ExecuteResult,
    ProxyExecuteResult,
    SearchResponse,
    Page[Tool],
    Page[ToolkitInfo],
    Page[ConfigHistoryEntry],
    FilesPage,
    AuthLink,
    ConnectedAccount,
    DeletedSession,
)

# A real "input_required" answer is not reachable without approval rules; spelled out here.
INPUT_REQUIRED = {
    "data": {},
    "error": None,
    "log_id": "log_ir",
    "result_type": "input_required",
    "input_requests": {
        "req_1": {
            "message": "Send this email?",
            "type": "elicitation",
            "mode": "form",
            "requested_schema": {"type": "object", "properties": {"approve": {"type": "boolean"}}},
        }
    },
    "request_state": "state-abc",
}

# Hypothesis: no example database on disk, no per-example deadline (loopback timings vary).
FAST = settings(max_examples=100, deadline=None, database=None)
# For properties over damaged real answers: a failure is reported as found (the labelled draws
# say what was damaged), without minutes of shrinking large documents.
UNSHRUNK = settings(FAST, phases=[Phase.explicit, Phase.reuse, Phase.generate])
LOOPBACK = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- the corpus of real answers --------------------------------------------------------------


@tool
def grep(pattern: str) -> dict[str, Any]:
    """Find a pattern (a toy custom tool)."""
    return {"matched": pattern}


def _structuring_modules() -> list[Any]:
    importlib.import_module("composio_router.session_config")  # imported lazily by create
    return [
        module for name, module in list(sys.modules.items())
        if name.startswith("composio_router.") and name != "composio_router.models._converter"
        and getattr(module, "structure_response", None) is structure_response
    ]


async def _capture_answers() -> list[tuple[Any, Any]]:
    """Run every response-bearing operation once against the emulator; keep (model, payload)."""
    seen: list[tuple[Any, Any]] = []

    def recording(data: Any, cl: Any) -> Any:
        seen.append((cl, copy.deepcopy(data)))
        return structure_response(data, cl)

    with pytest.MonkeyPatch.context() as mp:
        # Every SDK module that structures answers imports the function by name: patch each.
        for module in _structuring_modules():
            mp.setattr(module, "structure_response", recording)
        async with Emulator(api_key=API_KEY) as emu, AsyncComposio(api_key=API_KEY, base_url=emu.url) as client:
            session = await client.create(user_id="user-1")
            emu.connect_account("user-1", "gmail")
            account = emu.connect_account("user-1", "github")
            await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
            await session.execute(
                "GMAIL_SEND_EMAIL", {"recipient_email": "a@example.com", "subject": "s", "body": "b"}
            )
            await session.execute_meta("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "send an email"}]})
            await session.search(["send an email", "weather in Oslo"])
            await session.get_meta_tools()
            await session.toolkits()
            await session.proxy_execute("github", "/user", "GET")
            await session.create_auth_link("github")
            await client.get_connected_account(account)
            await session.experimental.files.upload(b"hello", remote_path="notes/a.txt")
            await session.experimental.files.list()
            await session.update(toolkits=["gmail", "github"])
            await session.list_config_history()
            await session.refresh()
            await session.delete()
    return seen


@functools.cache
def _corpus() -> list[tuple[Any, Any]]:
    """Captured once per run (not a fixture: hypothesis would print it with every example)."""
    answers = asyncio.run(_capture_answers())
    answers.append((ExecuteResult, INPUT_REQUIRED))
    assert {cl for cl, _ in answers} >= set(RESPONSE_MODELS), "every response model has a real answer"
    for cl, payload in answers:
        structure_response(payload, cl)  # the captured answers are themselves valid
    return answers


# -- strategies ------------------------------------------------------------------------------


def _wire_names(models: tuple[Any, ...]) -> list[str]:
    """Every field name of the response models, nested ones included: keys random dicts use."""
    names: set[str] = {"error", "message", "code", "slug", "results", "hasFullSchema", "schemaRef", "isNoAuth"}
    todo = [typing.get_origin(m) or m for m in models]
    done: set[type] = set()
    while todo:
        cls = todo.pop()
        if cls in done or not attrs.has(cls):
            continue
        done.add(cls)
        for name, hint in typing.get_type_hints(cls).items():
            names.add(name)
            stack = [hint]
            while stack:
                t = stack.pop()
                stack.extend(typing.get_args(t))
                origin = typing.get_origin(t) or t
                if isinstance(origin, type) and attrs.has(origin):
                    todo.append(origin)
    return sorted(names)


WIRE_NAMES = _wire_names(RESPONSE_MODELS)
keys = st.sampled_from(WIRE_NAMES) | st.text(max_size=12)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)  # what orjson reads
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24)
    | st.sampled_from(["", "completed", "failed", "input_required", "ACTIVE", "quantum_pending", "2.0", "-1"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=16,
)
json_objects = st.dictionaries(keys, json_values, max_size=8)
# Strings a newer server might put where the SDK knows a closed set of values.
unknown_enum_strings = st.sampled_from(
    ["QUANTUM_PENDING", "paused", "", " ", "Completed", "COMPLETED", "null", "0", "🙂", "input_required "]
) | st.text(min_size=1, max_size=16)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every position in a JSON document (the root is ``()``)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _put(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _mutate(doc: Any, data: st.DataObject) -> Any:
    """One random damage to a JSON document: wrong type, missing key, unknown key or enum."""
    path = data.draw(st.sampled_from(list(_paths(doc))), label="path")
    node = _get(doc, path)
    kinds = ["replace", "stringify", "wrap"]
    if path:
        kinds.append("delete")
    if isinstance(node, dict):
        kinds.append("add_key")
    if isinstance(node, str):
        kinds.append("enum")
    if isinstance(node, int | float) and not isinstance(node, bool):
        kinds.append("number_as_other_number")
    kind = data.draw(st.sampled_from(kinds), label="mutation")
    if kind == "replace":
        return _put(doc, path, data.draw(json_values, label="new value"))
    if kind == "stringify":
        return _put(doc, path, orjson.dumps(node).decode())
    if kind == "wrap":
        return _put(doc, path, data.draw(st.sampled_from([[node], {"value": node}])))
    if kind == "delete":
        parent = _get(doc, path[:-1])
        del parent[path[-1]]
        return doc
    if kind == "add_key":
        node[data.draw(keys, label="new key")] = data.draw(json_values, label="new key's value")
        return doc
    if kind == "enum":
        return _put(doc, path, data.draw(unknown_enum_strings, label="unknown value"))
    other = data.draw(st.sampled_from([float(node), str(node), -node, 2**63, True]), label="other number")
    return _put(doc, path, other)


def _damaged(data: st.DataObject) -> tuple[Any, Any]:
    cl, payload = data.draw(st.sampled_from(_corpus()), label="captured answer")
    doc = copy.deepcopy(payload)
    for _ in range(data.draw(st.integers(min_value=1, max_value=5), label="mutations")):
        doc = _mutate(doc, data)
    return cl, doc


# -- the property ------------------------------------------------------------------------------


def _structure_or_typed_error(payload: Any, model: Any) -> Any:
    """The contract: a model of the asked type, or an APIResponseValidationError. Nothing else."""
    error: APIResponseValidationError | None = None
    try:
        result = structure_response(payload, model)
    except APIResponseValidationError as exc:
        error = exc
    if error is not None:
        assert type(error) is APIResponseValidationError
        assert error.status_code == 200 and error.body is payload
        assert "does not fit" in str(error)
        repr(error)
        return None
    assert isinstance(result, typing.get_origin(model) or model)
    repr(result)
    return result


@FAST
@given(model=st.sampled_from(RESPONSE_MODELS), payload=json_values)
def test_random_json_gives_a_model_or_a_validation_error(model: Any, payload: Any) -> None:
    _structure_or_typed_error(payload, model)


@settings(FAST, max_examples=50)
@given(model=st.sampled_from(RESPONSE_MODELS), payload=json_objects)
def test_random_objects_with_model_keys_give_a_model_or_a_validation_error(model: Any, payload: Any) -> None:
    # Dicts whose keys are mostly the models' own field names reach deep into nested classes.
    _structure_or_typed_error(payload, model)


@FAST
@given(data=st.data())
def test_damaged_real_answers_give_a_model_or_a_validation_error(data: st.DataObject) -> None:
    model, payload = _damaged(data)
    _structure_or_typed_error(payload, model)


def test_truncated_real_answers_are_validation_errors_at_the_transport() -> None:
    transport = Transport(ClientOptions(api_key=API_KEY, base_url="http://127.0.0.1:1"))
    for _model, payload in _corpus():
        raw = orjson.dumps(payload)
        for cut in sorted({1, len(raw) // 3, len(raw) // 2, len(raw) - 1}):
            with pytest.raises(APIResponseValidationError, match="not valid JSON"):
                transport._parse_success(200, raw[:cut], CIMultiDictProxy(CIMultiDict()), "POST", "/x")
    for not_an_object in (b"[]", b"null", b"1", b'"text"', b"true"):
        with pytest.raises(APIResponseValidationError, match="expected a JSON object"):
            transport._parse_success(200, not_an_object, CIMultiDictProxy(CIMultiDict()), "GET", "/x")


# -- models honour their declared types ---------------------------------------------------------

def _violations(value: Any, tp: Any, where: str, env: dict[Any, Any] | None = None) -> list[str]:
    """Where ``value`` does not have the type the model declares (``Any`` accepts everything).

    ``env`` maps a generic class's type parameters to its arguments (``T`` -> ``Tool`` in ``Page[Tool]``).
    """
    env = env or {}
    if isinstance(tp, TypeVar):
        tp = env.get(tp, Any)
    if tp is Any:
        return []
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [_violations(value, arg, where, env) for arg in typing.get_args(tp)]
        return [] if any(not o for o in options) else min(options, key=len)
    if tp is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    if origin is Literal:
        return [] if value in typing.get_args(tp) else [f"{where}: {value!r} not in {tp}"]
    if tp is bool:
        return [] if type(value) is bool else [f"{where}: {value!r} is not a bool"]
    if tp is int:
        return [] if type(value) is int else [f"{where}: {value!r} is not an int"]
    if tp in (str, float):
        return [] if type(value) is tp else [f"{where}: {value!r} is not a {tp.__name__}"]
    if origin is list:
        if type(value) is not list:
            return [f"{where}: {type(value).__name__} {value!r} where a list is declared"]
        (item,) = typing.get_args(tp)
        return [v for i, x in enumerate(value) for v in _violations(x, item, f"{where}[{i}]", env)]
    if origin is dict:
        if type(value) is not dict:
            return [f"{where}: {type(value).__name__} {value!r} where a dict is declared"]
        key_tp, value_tp = typing.get_args(tp)
        return [
            v
            for k, x in value.items()
            for v in _violations(k, key_tp, f"{where} key", env) + _violations(x, value_tp, f"{where}[{k!r}]", env)
        ]
    cls = origin or tp
    if isinstance(cls, type) and attrs.has(cls):
        if not isinstance(value, cls):
            return [f"{where}: {type(value).__name__} is not a {cls.__name__}"]
        inner = dict(zip(getattr(cls, "__parameters__", ()), typing.get_args(tp), strict=False))
        return [
            v
            for name, hint in typing.get_type_hints(cls).items()
            for v in _violations(getattr(value, name), hint, f"{where}.{name}", inner)
        ]
    return []


@UNSHRUNK
@given(data=st.data())
def test_tolerated_models_honour_their_declared_types(data: st.DataObject) -> None:
    """A model the SDK hands back must be what its annotations say: ``result.data`` typed
    ``dict[str, Any]`` is a dict, so ``result.data.get(...)`` cannot raise AttributeError."""
    model, payload = _damaged(data)
    result = _structure_or_typed_error(payload, model)
    if result is not None:
        violations = _violations(result, model, "result")
        assert not violations, violations


# Free-form fields (``dict[str, Any]``: tool data, schemas, account state) holding something
# other than an object. Each must become a validation error, or a model whose field is a dict.
NOT_OBJECTS: list[tuple[Any, dict[str, Any]]] = [
    (ExecuteResult, {"data": 5}),
    (ExecuteResult, {"data": [1, 2]}),
    (ExecuteResult, {"data": "text"}),
    (ExecuteResult, {"data": None}),
    (ExecuteResult, {"data": {}, "instant_charge": "1 credit"}),
    (Page[Tool], {"items": [{"slug": "X", "input_parameters": ["not", "a", "schema"]}]}),
    (ConnectedAccount, {"id": "ca_1", "toolkit": ["gmail"]}),
    (ConnectedAccount, {"id": "ca_1", "state": "ACTIVE"}),
    (SearchResponse, {"time_info": 12}),
]


@pytest.mark.parametrize(("model", "payload"), NOT_OBJECTS, ids=[repr(p) for _m, p in NOT_OBJECTS])
def test_free_form_fields_hold_objects(model: Any, payload: dict[str, Any]) -> None:
    result = _structure_or_typed_error(payload, model)
    if result is not None:
        violations = _violations(result, model, "result")
        assert not violations, violations


def test_captured_answers_honour_their_declared_types() -> None:
    for model, payload in _corpus():
        violations = _violations(structure_response(payload, model), model, str(model))
        assert not violations, violations


# -- unknown values and extra keys ------------------------------------------------------------


def test_unknown_enum_values_are_kept_as_strings() -> None:
    result = structure_response({"data": {}, "result_type": "awaiting_quorum"}, ExecuteResult)
    assert result.result_type == "awaiting_quorum"
    assert not result.successful and not result.input_required
    proxied = structure_response({"status": 200, "data": None, "result_type": "queued"}, ProxyExecuteResult)
    assert proxied.result_type == "queued" and not proxied.successful
    account = structure_response({"id": "ca_1", "status": "HIBERNATING", "toolkit": {"slug": "gmail"}}, ConnectedAccount)
    assert account.status == "HIBERNATING" and account.toolkit_slug == "gmail"
    toolkit = structure_response(
        {
            "slug": "gmail",
            "connected_account": {"id": "ca_1", "status": "SLEEPING", "auth_config": {"auth_scheme": "QUANTUM_KEY"}},
        },
        ToolkitInfo,
    )
    assert toolkit.connected_account is not None and toolkit.connected_account.status == "SLEEPING"
    assert toolkit.connected_account.auth_config is not None
    assert toolkit.connected_account.auth_config.auth_scheme == "QUANTUM_KEY"
    assert not toolkit.is_connected


def test_numbers_as_javascript_sends_them() -> None:
    page = structure_response({"items": [], "total_pages": 3.0, "current_page": 1, "next_cursor": ""}, Page[Tool])
    assert (page.total_pages, page.current_page, page.next_cursor, page.has_next) == (3, 1, None, False)
    # Strict about types: a number as text is a wrong type, as a number as an object would be.
    for not_an_integer in (1.5, True, "one", "1", [1]):
        with pytest.raises(APIResponseValidationError):
            structure_response({"items": [], "total_pages": not_an_integer}, Page[Tool])


def test_unknown_top_level_keys_change_nothing() -> None:
    for model, payload in _corpus():
        if not isinstance(payload, dict):
            continue
        extended = {**payload, "x_unknown_field": {"nested": True}, "zz_future": [1, 2, 3]}
        assert structure_response(extended, model) == structure_response(payload, model)


def test_unknown_keys_everywhere_are_tolerated() -> None:
    for model, payload in _corpus():
        # The emulator's own injection: a key in every object the model reads, none in
        # free-form payloads (tool data, schemas) or in maps keyed by data (tool_schemas).
        extended = _with_extra(payload, None)
        assert extended != payload
        assert isinstance(structure_response(extended, model), typing.get_origin(model) or model)


# -- status errors ----------------------------------------------------------------------------

_TRANSPORT = Transport(ClientOptions(api_key=API_KEY, base_url="http://127.0.0.1:1"))

envelopes = st.fixed_dictionaries(
    {},
    optional={
        "message": json_values,
        "code": json_values,
        "slug": json_values,
        "status": json_values,
        "request_id": json_values,
        "suggested_fix": json_values,
        "errors": json_values | st.lists(json_values, max_size=4),
    },
)
error_bodies = st.one_of(
    st.binary(max_size=600),
    st.binary(max_size=200).map(lambda b: b"\xff\xfe\xc3" + b + b"\x80"),  # never valid UTF-8
    json_values.map(orjson.dumps),
    st.dictionaries(keys, json_values, max_size=4).flatmap(
        lambda extra: (json_values | envelopes).map(lambda error: orjson.dumps({**extra, "error": error}))
    ),
    st.just(b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    st.just(b""),
)
header_values = st.text(max_size=40) | st.sampled_from(
    ["0", "1.5", "-1", "61", "nan", "inf", "1e309", "Wed, 21 Oct 2015 07:28:00 GMT", "Mon, 99 Foo 2099 99:99:99 +9999"]
)
response_headers = st.dictionaries(
    st.sampled_from(["retry-after", "retry-after-ms", "x-request-id", "x-should-retry", "content-type"]),
    header_values,
    max_size=4,
)


@FAST
@given(status=st.integers(min_value=300, max_value=599), raw=error_bodies, headers=response_headers)
def test_any_error_body_becomes_its_status_error(status: int, raw: bytes, headers: dict[str, str]) -> None:
    err = _TRANSPORT._status_error(status, raw, CIMultiDictProxy(CIMultiDict(headers)), "POST", "/api/x")
    assert type(err) is status_error_class(status) and isinstance(err, APIStatusError)
    assert err.status_code == status and str(err).startswith(str(status))
    assert isinstance(err.message, str) and err.message
    assert err.slug is None or (isinstance(err.slug, str) and err.slug)
    assert err.suggested_fix is None or isinstance(err.suggested_fix, str)
    assert err.code is None or type(err.code) is int
    assert err.request_id is None or isinstance(err.request_id, str)
    assert all(isinstance(e, str) for e in err.errors)
    assert err.retry_after is None or 0.0 <= err.retry_after <= 60.0
    repr(err)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err) and str(clone) == str(err)


async def test_a_deeply_nested_error_body_is_still_a_typed_error(emulator: Emulator) -> None:
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, max_retries=0) as client:
        emulator.faults.add("*/session", status=422, body=b"[" * 900 + b'"x"' + b"]" * 900,
                            headers={"Content-Type": "application/json"})
        with pytest.raises(APIStatusError) as info:
            await client.create(user_id="u")
    assert info.value.status_code == 422


# -- over loopback: random bodies on the wire ---------------------------------------------------


def _operations(session: Session, emu: Emulator) -> dict[str, tuple[str, str, Callable[[], Any], type]]:
    """name -> (method, path glob, call, the type it returns)."""
    own = f"/api/v3.1/tool_router/session/{session.session_id}"
    return {
        "execute": ("POST", EXECUTE, lambda: session.execute("UTILS_ECHO", {"x": 1}), ExecuteResult),
        "execute_meta": (
            "POST",
            own + "/execute_meta",
            lambda: session.execute_meta("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "mail"}]}),
            ExecuteResult,
        ),
        "search": ("POST", SEARCH, lambda: session.search("send an email"), SearchResponse),
        "toolkits": ("GET", own + "/toolkits", lambda: session.toolkits(), Page),
        "tools": ("GET", own + "/tools", lambda: session.get_meta_tools(refresh=True), list),
        "refresh": ("GET", own, lambda: session.refresh(), SessionInfo),
        "history": ("GET", own + "/config_history", lambda: session.list_config_history(), Page),
        "files": ("GET", own + "/mounts/files/items", lambda: session.experimental.files.list(), FilesPage),
        "link": ("POST", own + "/link", lambda: session.create_auth_link("github"), AuthLink),
        "proxy": ("POST", own + "/proxy_execute", lambda: session.proxy_execute("github", "/user", "GET"), ProxyExecuteResult),
    }


UNSAFE_OPERATIONS = {"execute", "execute_meta", "link", "proxy"}


@LOOPBACK
@given(
    data=st.data(),
    name=st.sampled_from(
        ["execute", "execute_meta", "search", "toolkits", "tools", "refresh", "history", "files", "link", "proxy"]
    ),
    status=st.sampled_from([200, 200, 200, 201, 202, 400, 401, 403, 404, 409, 418, 422, 500, 502, 503]),
    json_content_type=st.booleans(),
)
def test_random_bodies_over_loopback(
    emulator_thread: Emulator,
    sync_ready_session: Session,
    data: st.DataObject,
    name: str,
    status: int,
    json_content_type: bool,
) -> None:
    method, path, call, returns = _operations(sync_ready_session, emulator_thread)[name]
    kind = data.draw(st.sampled_from(["bytes", "json", "object", "damaged answer"]), label="body kind")
    if kind == "bytes":
        body = data.draw(st.binary(max_size=400), label="body")
    elif kind == "json":
        body = orjson.dumps(data.draw(json_values, label="body"))
    elif kind == "object":
        body = orjson.dumps(data.draw(json_objects, label="body"))
    else:
        body = orjson.dumps(_damaged(data)[1])
    emulator_thread.faults.clear()
    emulator_thread.journal.clear()
    emulator_thread.faults.add(path, method=method, status=status, body=body, headers=JSON_HEADERS if json_content_type else None)
    error: ComposioError | None = None
    try:
        result = call()
    except ComposioError as exc:  # anything else fails the test
        error = exc
    if error is not None:
        str(error)
        repr(error)
        if name in UNSAFE_OPERATIONS:
            # One request, no retry: the fault's answer is the error.
            if 200 <= status < 300:
                assert isinstance(error, APIResponseValidationError)
            else:
                assert type(error) is status_error_class(status)
    else:
        assert isinstance(result, returns)
        if name in UNSAFE_OPERATIONS:
            assert 200 <= status < 300
    if name in UNSAFE_OPERATIONS:
        assert len(emulator_thread.journal.find(method, path)) == 1
    # Whatever came back, the client is fine for the next call.
    emulator_thread.faults.clear()
    assert sync_ready_session.execute("UTILS_ECHO", {"after": name}).successful


# -- truncated and malformed answers ----------------------------------------------------------


async def test_truncated_execute_is_a_connection_error_that_ran(ready_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", action="truncate")
    with pytest.raises(APIConnectionError) as info:
        await ready_session.execute("GMAIL_SEND_EMAIL", {"recipient_email": "a@example.com", "subject": "s", "body": "b"})
    assert info.value.request_sent is True
    assert len(emulator.journal.find("POST", EXECUTE)) == 1  # not retried: it ran
    assert len(emulator.mailbox("user-1")) == 1
    assert (await ready_session.execute("UTILS_ECHO", {"again": True})).successful


async def test_truncated_search_is_retried(ready_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(SEARCH, method="POST", action="truncate")
    found = await ready_session.search("send an email")
    assert found.success and found.results
    assert len(emulator.journal.find("POST", SEARCH)) == 2


async def test_malformed_json_is_a_validation_error(ready_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", action="malformed")
    with pytest.raises(APIResponseValidationError, match="not valid JSON") as info:
        await ready_session.execute("GMAIL_SEND_EMAIL", {"recipient_email": "a@example.com", "subject": "s", "body": "b"})
    assert type(info.value) is APIResponseValidationError and info.value.status_code == 200
    assert info.value.request_id  # from the answer's x-request-id header
    assert emulator.mailbox("user-1") == []  # the fault answered; the handler never ran
    emulator.faults.add(SEARCH, method="POST", action="malformed")
    with pytest.raises(APIResponseValidationError):
        await ready_session.search("weather")
    assert len(emulator.journal.find("POST", SEARCH)) == 1  # a bad 2xx is not retried
    assert (await ready_session.execute("UTILS_ECHO", {"again": True})).successful


# -- answers that do not fit what the SDK reads from them -----------------------------------------


async def test_mixed_batch_with_a_remote_answer_of_the_wrong_shape(fast_client: AsyncComposio, emulator: Emulator) -> None:
    """A COMPOSIO_MULTI_EXECUTE_TOOL batch with a custom tool: the remote part's ``data`` is
    not an object. The local item's result survives; the remote item fails in its slot
    (or the call raises a typed error): never a bare AttributeError in an ExceptionGroup."""
    session = await fast_client.create(user_id="user-1", custom_tools=[grep])
    batch = {
        "tools": [
            {"tool_slug": "LOCAL_GREP", "arguments": {"pattern": "a"}},
            {"tool_slug": "UTILS_ECHO", "arguments": {"b": 2}},
        ]
    }
    for data in (5, [1, 2], "text", None):
        emulator.faults.add(EXECUTE, method="POST", status=200, headers=JSON_HEADERS,
                            body=orjson.dumps({"data": data, "error": None, "log_id": "log_x"}))
        try:
            result = await session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", batch)
        except ComposioError:
            continue
        entries = result.data["results"]
        assert [e["tool_slug"] for e in entries] == ["LOCAL_GREP", "UTILS_ECHO"]
        assert entries[0]["response"]["successful"] is True
        assert entries[1].get("error")


@pytest.mark.parametrize("operation", ["upload", "download"])
async def test_presigned_url_answers_without_a_usable_url(ready_session: AsyncSession, emulator: Emulator, operation: str) -> None:
    """``…/upload_url`` and ``…/download_url`` answering without a usable URL: a typed error
    (a response validation error, or a connection error for a URL nothing can reach), not a
    KeyError from ``target["upload_url"]`` or a ValueError from parsing the URL."""
    path = f"*/mounts/files/{operation}_url"
    key = f"{operation}_url"
    problems = []
    for url in (..., None, 5, "relative/path", "http://[::1", "ftp://127.0.0.1/x"):
        answer = {"mount_relative_path": "a.txt"} if url is ... else {key: url, "mount_relative_path": "a.txt"}
        emulator.faults.add(path, method="POST", status=200, headers=JSON_HEADERS, body=orjson.dumps(answer))
        files = ready_session.experimental.files
        call = files.upload(b"x", remote_path="a.txt") if operation == "upload" else files.download("a.txt")
        try:
            await call
        except ComposioError:
            continue
        except Exception as exc:
            problems.append(f"{answer}: {type(exc).__name__}: {exc}")
        else:
            problems.append(f"{answer}: no error")
        emulator.faults.clear()
    assert not problems, "; ".join(problems)


# -- oversized answers --------------------------------------------------------------------------


@pytest.fixture
async def small_client(emulator: Emulator, fast_backoff: list[float]) -> AsyncIterator[AsyncComposio]:
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, max_response_bytes=LIMIT, timeout=10) as composio:
        yield composio


def _execute_answer(size: int) -> bytes:
    """A valid execute answer of exactly ``size`` bytes."""
    shell = orjson.dumps({"data": {"pad": ""}, "error": None, "log_id": "log_pad", "result_type": "completed"})
    assert size >= len(shell)
    return orjson.dumps(
        {"data": {"pad": "x" * (size - len(shell))}, "error": None, "log_id": "log_pad", "result_type": "completed"}
    )


async def test_response_limit_with_content_length(small_client: AsyncComposio, emulator: Emulator) -> None:
    session = await small_client.create(user_id="user-1")
    emulator.journal.clear()
    emulator.faults.add(EXECUTE, method="POST", status=200, headers=JSON_HEADERS, body=_execute_answer(MIB))
    with pytest.raises(APIResponseTooLargeError) as info:
        await session.execute("UTILS_ECHO", {})
    err = info.value
    assert err.limit == LIMIT and err.status_code == 200
    assert isinstance(err, APIResponseValidationError) and str(LIMIT) in str(err)
    # Exactly at the limit is accepted; one byte more is not.
    emulator.faults.add(EXECUTE, method="POST", status=200, headers=JSON_HEADERS, body=_execute_answer(LIMIT))
    assert len((await session.execute("UTILS_ECHO", {})).data["pad"]) > LIMIT - 100
    emulator.faults.add(EXECUTE, method="POST", status=200, headers=JSON_HEADERS, body=_execute_answer(LIMIT + 1))
    with pytest.raises(APIResponseTooLargeError):
        await session.execute("UTILS_ECHO", {})
    # A safe call is not retried on it either: the same request would get the same answer.
    emulator.faults.add(SEARCH, method="POST", status=200, headers=JSON_HEADERS, body=b'{"x": "' + b"y" * MIB + b'"}')
    with pytest.raises(APIResponseTooLargeError):
        await session.search("weather")
    assert len(emulator.journal.find("POST", SEARCH)) == 1
    # Error answers are bounded too.
    emulator.faults.add(EXECUTE, method="POST", status=500, body=b"<html>" + b"e" * MIB + b"</html>")
    with pytest.raises(APIResponseTooLargeError) as info:
        await session.execute("UTILS_ECHO", {})
    assert info.value.status_code == 500
    # And the client carries on.
    assert (await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})).successful


SESSION_ANSWER = {
    "session_id": "trs_streamed",
    "mcp": {"type": "http", "url": "http://127.0.0.1:1/mcp"},
    "tool_router_tools": ["COMPOSIO_SEARCH_TOOLS"],
    "config": {"user_id": "user-1"},
    "config_version": 1,
}


class _Server:
    """A tiny HTTP server on 127.0.0.1: the first request gets ``first``, the rest a valid session."""

    def __init__(self, first: Callable[[web.Request, _Server], Awaitable[web.StreamResponse]]) -> None:
        self.first = first
        self.requests = 0
        self.streamed = 0  # body bytes the first handler managed to write
        self.cut_off = asyncio.Event()  # the client hung up mid-body

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if self.requests == 1:
            return await self.first(request, self)
        return web.json_response(SESSION_ANSWER)


@contextlib.asynccontextmanager
async def _serving(server: _Server) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def _stream(request: web.Request, server: _Server, chunks: Iterator[bytes], headers: dict[str, str]) -> web.StreamResponse:
    resp = web.StreamResponse(headers=headers)
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    try:
        for chunk in chunks:
            await resp.write(chunk)
            server.streamed += len(chunk)
        await resp.write_eof()
    except (ConnectionError, aiohttp.ClientError):
        server.cut_off.set()
    return resp


def _endless_json() -> Iterator[bytes]:
    yield b'{"session_id": "trs_x", "pad": "'
    for _ in range(2048):  # 32 MiB at most, should the client never hang up
        yield b"x" * 16384


async def _chunked_without_length(request: web.Request, server: _Server) -> web.StreamResponse:
    return await _stream(request, server, _endless_json(), dict(JSON_HEADERS))


def _gzipped_session(pad: int) -> bytes:
    return gzip.compress(orjson.dumps({**SESSION_ANSWER, "pad": " " * pad}), compresslevel=9)


async def _gzip_bomb_with_length(request: web.Request, server: _Server) -> web.StreamResponse:
    bomb = _gzipped_session(16 * MIB)
    assert len(bomb) < LIMIT  # Content-Length says it is small; it inflates 250 times the limit
    return web.Response(body=bomb, headers={**JSON_HEADERS, "Content-Encoding": "gzip"})


async def _gzip_bomb_chunked(request: web.Request, server: _Server) -> web.StreamResponse:
    bomb = _gzipped_session(16 * MIB)
    pieces = (bomb[i : i + 4096] for i in range(0, len(bomb), 4096))
    return await _stream(request, server, pieces, {**JSON_HEADERS, "Content-Encoding": "gzip"})


@pytest.mark.parametrize(
    "first",
    [_chunked_without_length, _gzip_bomb_with_length, _gzip_bomb_chunked],
    ids=["chunked-no-length", "gzip-bomb-content-length", "gzip-bomb-chunked"],
)
async def test_response_limit_without_a_trustworthy_length(
    first: Callable[[web.Request, _Server], Awaitable[web.StreamResponse]], fast_backoff: list[float]
) -> None:
    server = _Server(first)
    async with _serving(server) as url, AsyncComposio(
        api_key=API_KEY, base_url=url, max_response_bytes=LIMIT, timeout=10
    ) as composio:
        with pytest.raises(APIResponseTooLargeError) as info:
            await composio.use("trs_streamed")
        assert info.value.limit == LIMIT and info.value.status_code == 200
        assert server.requests == 1  # GET is safe, but an oversized answer is not retried
        if first is _chunked_without_length:
            await asyncio.wait_for(server.cut_off.wait(), 5)  # the client hung up mid-stream
            assert server.streamed < 8 * MIB
        # The pool recovers: the next call on the same client gets its answer.
        again = await composio.use("trs_streamed")
        assert again.session_id == "trs_streamed" and server.requests == 2


async def test_gzip_answers_under_the_limit_are_read(fast_backoff: list[float]) -> None:
    async def small_gzip(request: web.Request, server: _Server) -> web.StreamResponse:
        body = _gzipped_session(LIMIT // 2)
        return web.Response(body=body, headers={**JSON_HEADERS, "Content-Encoding": "gzip"})

    server = _Server(small_gzip)
    async with _serving(server) as url, AsyncComposio(
        api_key=API_KEY, base_url=url, max_response_bytes=LIMIT, timeout=10
    ) as composio:
        session = await composio.use("trs_streamed")
        assert session.session_id == "trs_streamed"


# -- extra fields everywhere ------------------------------------------------------------------------


async def test_extra_fields_in_every_answer_are_tolerated(ready_session: AsyncSession, emulator: Emulator, fast_client: AsyncComposio) -> None:
    emulator.extra_fields = True
    account = emulator.connect_account("user-1", "github")
    forecast = await ready_session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    assert forecast.successful and forecast.data
    sent = await ready_session.execute("GMAIL_SEND_EMAIL", {"recipient_email": "a@example.com", "subject": "s", "body": "b"})
    assert sent.successful and len(emulator.mailbox("user-1")) == 1
    meta = await ready_session.execute_meta("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "send an email"}]})
    assert meta.successful
    found = await ready_session.search(["send an email", "weather"])
    assert found.success and [r.index for r in found.results] == [1, 2]
    tools = await ready_session.get_meta_tools(refresh=True)
    assert tools and all(t.slug for t in tools)
    toolkits = await ready_session.toolkits()
    assert any(t.slug == "gmail" and t.is_connected for t in toolkits.items)
    proxied = await ready_session.proxy_execute("github", "/user", "GET")
    assert proxied.successful
    link = await ready_session.create_auth_link("github")
    assert link.redirect_url and link.connected_account_id
    assert (await fast_client.get_connected_account(account)).status == "ACTIVE"
    stored = await ready_session.experimental.files.upload(b"hello", remote_path="data/x.txt")
    assert stored.mount_relative_path == "data/x.txt"
    assert [f.mount_relative_path for f in (await ready_session.experimental.files.list()).items] == ["data/x.txt"]
    assert isinstance((await ready_session.experimental.files.list()).items[0], RemoteFile)
    assert await (await ready_session.experimental.files.download("data/x.txt")).read() == b"hello"
    updated = await ready_session.update(toolkits=["gmail", "github", "weather"])
    assert updated.config_version == 2
    history = await ready_session.list_config_history()
    assert [h.version for h in history.items][:2] == [2, 1]
    assert (await ready_session.refresh()).config_version == 2
    assert (await ready_session.delete()).deleted is True
