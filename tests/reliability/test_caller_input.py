"""Bad caller input raises a typed error before any request (issue point 6b).

Every case checks two things: the exception's type (InvalidInputError, BatchLimitError,
ConfigurationError) and the emulator's journal, which must show that nothing reached the
server. Slugs, session ids and idempotency keys are also fuzzed: each value is either
refused locally with InvalidInputError or sent as given; nothing else ever happens.
"""

from __future__ import annotations

import decimal
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from composio_router import (
    APIStatusError,
    AsyncComposio,
    AsyncSession,
    BatchLimitError,
    Composio,
    ComposioError,
    ConfigurationError,
    ExecuteResult,
    InvalidInputError,
    Session,
    tool,
)
from composio_router.testing import Emulator

from ..conftest import API_KEY

pytestmark = pytest.mark.anyio

BASE = "/api/v3.1/tool_router/session"
EXECUTE = BASE + "/*/execute"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_nothing_sent(emulator: Emulator) -> None:
    assert list(emulator.journal) == [], "the bad input reached the server"


@tool
def grep(pattern: str) -> dict[str, Any]:
    """Find a pattern (a toy custom tool)."""
    return {"matched": pattern}


async def refused(call: Callable[[], Awaitable[Any]], case: object, error: type[Exception] = InvalidInputError) -> None:
    """``call`` raises ``error`` (and nothing else); the failure names the case."""
    try:
        await call()
    except error:
        return
    except Exception as exc:
        pytest.fail(f"{case!r}: {type(exc).__name__}: {exc} instead of {error.__name__}")
    pytest.fail(f"{case!r}: no {error.__name__} raised")


# -- slugs and ids ----------------------------------------------------------------------------

BAD_SLUGS = ["", "   ", "\t\n", None, 42, b"UTILS_ECHO", ["UTILS_ECHO"]]


async def test_invalid_slugs_raise_before_sending(ready_session: AsyncSession, emulator: Emulator) -> None:
    for slug in BAD_SLUGS:
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "execute": lambda slug=slug: ready_session.execute(slug, {}),
            "execute_meta": lambda slug=slug: ready_session.execute_meta(slug, {}),
            "proxy toolkit": lambda slug=slug: ready_session.proxy_execute(slug, "/user", "GET"),
            "proxy endpoint": lambda slug=slug: ready_session.proxy_execute("github", slug, "GET"),
            "link": lambda slug=slug: ready_session.create_auth_link(slug),
            "authorize": lambda slug=slug: ready_session.authorize(slug),
        }
        for name, call in calls.items():
            await refused(call, (name, slug))
        # In a batch the bad item fails in its own slot, typed, and is not sent either.
        batch = await ready_session.multi_execute([(slug, {})])
        assert isinstance(batch[0].exception, InvalidInputError) and not batch[0].successful
    assert_nothing_sent(emulator)


async def test_execute_meta_takes_only_the_seven_meta_slugs(ready_session: AsyncSession, emulator: Emulator) -> None:
    for slug in ("COMPOSIO_SUBMIT_FEEDBACK", "COMPOSIO_PROXY_EXECUTE", "UTILS_ECHO", "composio_search_tools"):
        with pytest.raises(InvalidInputError, match="execute_meta takes one of"):
            await ready_session.execute_meta(slug, {})
    assert_nothing_sent(emulator)


async def test_invalid_path_ids_raise_before_sending(fast_client: AsyncComposio, emulator: Emulator) -> None:
    for session_id in ("", ".", "..", None, 7):
        await refused(lambda i=session_id: fast_client.use(i), ("use", session_id))
        await refused(lambda i=session_id: fast_client.delete(i), ("delete", session_id))
        await refused(lambda i=session_id: fast_client.get_connected_account(i), ("get_connected_account", session_id))
    assert_nothing_sent(emulator)


# -- batches over the cap -----------------------------------------------------------------------


async def test_more_than_twenty_batch_items_raise_before_sending(
    fast_client: AsyncComposio, ready_session: AsyncSession, emulator: Emulator
) -> None:
    calls = [("UTILS_ECHO", {"i": i}) for i in range(21)]
    meta = {"tools": [{"tool_slug": "UTILS_ECHO", "arguments": {"i": i}} for i in range(21)]}
    with pytest.raises(BatchLimitError) as info:
        await ready_session.multi_execute(calls)
    assert (info.value.size, info.value.limit) == (21, 20)
    with pytest.raises(BatchLimitError):
        async for _item in ready_session.iter_multi_execute(calls):
            pass
    with pytest.raises(BatchLimitError):
        await ready_session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", meta)
    with pytest.raises(BatchLimitError):
        await ready_session.execute_meta("COMPOSIO_MULTI_EXECUTE_TOOL", meta)
    with pytest.raises(BatchLimitError):
        await ready_session.multi_execute(calls, idempotency_key="batch-1")
    local = await fast_client.create(user_id="user-1", custom_tools=[grep])
    emulator.journal.clear()
    mixed = {"tools": [{"tool_slug": "LOCAL_GREP", "arguments": {"pattern": "a"}}, *meta["tools"][:20]]}
    with pytest.raises(BatchLimitError):
        await local.execute("COMPOSIO_MULTI_EXECUTE_TOOL", mixed)
    with pytest.raises(BatchLimitError):
        await local.multi_execute([("LOCAL_GREP", {"pattern": "a"})] * 21)
    assert_nothing_sent(emulator)
    # Twenty is the cap, not the limit minus one.
    assert (await ready_session.multi_execute(calls[:20])).successful
    assert len(emulator.journal.find("POST", EXECUTE)) == 20
    emulator.journal.clear()
    assert (await ready_session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": meta["tools"][:20]})).successful
    assert len(emulator.journal.find("POST", EXECUTE)) == 1


async def test_malformed_batches_raise_before_sending(ready_session: AsyncSession, emulator: Emulator) -> None:
    cases: list[tuple[Any, dict[str, Any]]] = [
        ("UTILS_ECHO", {}),
        (b"UTILS_ECHO", {}),
        (42, {}),
        ((c for c in [("UTILS_ECHO", {})]), {}),
        ([("UTILS_ECHO", {})], {"max_concurrency": 0}),
        ([("UTILS_ECHO", {})], {"max_concurrency": True}),
    ]
    for calls, kwargs in cases:
        await refused(lambda c=calls, k=kwargs: ready_session.multi_execute(c, **k), (calls, kwargs))
    assert_nothing_sent(emulator)


async def test_malformed_batch_items_fail_in_their_slot_unsent(ready_session: AsyncSession, emulator: Emulator) -> None:
    items: list[Any] = [
        ("UTILS_ECHO",), ("UTILS_ECHO", {}, "extra"), {"tool_slug": "UTILS_ECHO", "args": {}}, {"arguments": {}},
        ("UTILS_ECHO", ["not", "a", "mapping"]), {"tool_slug": "UTILS_ECHO", "account": ""}, 5, None,
    ]
    batch = await ready_session.multi_execute([*items, ("UTILS_ECHO", {"ok": True})])
    for item, result in zip(items, batch.results[:-1], strict=True):
        assert isinstance(result.exception, InvalidInputError), item
    assert batch.results[-1].successful
    [sent] = emulator.journal.find("POST", EXECUTE)
    assert sent.body["arguments"] == {"ok": True}


# -- arguments that are not JSON ------------------------------------------------------------------


def _circular() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    return loop


NOT_JSON = {
    "set": {"tags": {"a", "b"}},
    "object": {"handle": object()},
    "bytes": {"blob": b"\x00\x01"},
    "complex": {"z": 1 + 2j},
    "int-over-64-bits": {"n": 2**64},
    "decimal": {"price": decimal.Decimal("1.10")},
    "non-str-key": {"nested": {1: "one"}},
    "lone-surrogate": {"text": "\ud800"},
    "circular": _circular(),
}


async def test_non_serialisable_arguments_raise_before_sending(ready_session: AsyncSession, emulator: Emulator) -> None:
    for case, arguments in NOT_JSON.items():
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "execute": lambda a=arguments: ready_session.execute("UTILS_ECHO", a),
            "execute_meta": lambda a=arguments: ready_session.execute_meta(
                "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "x"}], **a}
            ),
            "proxy body": lambda a=arguments: ready_session.proxy_execute("github", "/repos", "POST", body=a),
            "keyed execute": lambda a=arguments: ready_session.execute("UTILS_ECHO", a, idempotency_key="k-1"),
        }
        for name, call in calls.items():
            await refused(call, (name, case))
        batch = await ready_session.multi_execute([("UTILS_ECHO", arguments)])
        assert isinstance(batch[0].exception, InvalidInputError), case
        assert "JSON" in str(batch[0].exception)
    assert_nothing_sent(emulator)


async def test_arguments_that_are_not_a_mapping(ready_session: AsyncSession, emulator: Emulator) -> None:
    for arguments in (["a", "list"], "text", 5, ("UTILS_ECHO",)):
        await refused(lambda a=arguments: ready_session.execute("UTILS_ECHO", a), ("execute", arguments))
        await refused(lambda a=arguments: ready_session.execute_meta("COMPOSIO_SEARCH_TOOLS", a), ("meta", arguments))
    assert_nothing_sent(emulator)


# -- proxy methods and parameters ---------------------------------------------------------------


async def test_bad_proxy_method_raises_before_sending(ready_session: AsyncSession, emulator: Emulator) -> None:
    for method in ("FETCH", "", "GET ", "CONNECT", "TRACE", "OPTIONS", None, 5):
        await refused(lambda m=method: ready_session.proxy_execute("github", "/user", m), method)
    assert_nothing_sent(emulator)


BAD_PARAMETERS: dict[str, Any] = {
    "missing-value": [{"name": "a"}],
    "none-value": [{"name": "a", "value": None}],
    "empty-name": [{"name": "", "value": "x"}],
    "missing-name": [{"value": "x"}],
    "int-name": [{"name": 5, "value": "x"}],
    "cookie-type": [{"name": "a", "value": "b", "type": "cookie"}],
    "path-in": [{"name": "a", "value": "b", "in": "path"}],
    "unknown-key": [{"name": "a", "value": "b", "extra": 1}],
    "int-item": [5],
    "none-item": [None],
    "string": "name=a",
    "one-mapping": {"name": "a", "value": "b"},
}


async def test_bad_proxy_parameters_raise_before_sending(ready_session: AsyncSession, emulator: Emulator) -> None:
    for case, parameters in BAD_PARAMETERS.items():
        await refused(lambda p=parameters: ready_session.proxy_execute("github", "/user", "GET", parameters=p), case)
    assert_nothing_sent(emulator)


async def test_non_iterable_proxy_parameters_raise_before_sending(ready_session: AsyncSession, emulator: Emulator) -> None:
    """``parameters=5`` is bad input like the cases above: InvalidInputError, not a TypeError
    from iterating it."""
    for parameters in (5, 2.5, object()):
        await refused(lambda p=parameters: ready_session.proxy_execute("github", "/user", "GET", parameters=p), parameters)
    assert_nothing_sent(emulator)


async def test_good_proxy_parameters_are_sent_normalised(ready_session: AsyncSession, emulator: Emulator) -> None:
    # Controls for the cases above: lower-case methods, `in` for `type`, numbers stringified.
    await ready_session.proxy_execute("github", "/user", "get", parameters=[{"name": "page", "value": 2, "in": "query"}])  # type: ignore[arg-type]
    [sent] = emulator.journal.find("POST", BASE + "/*/proxy_execute")
    assert sent.body["method"] == "GET"
    assert sent.body["parameters"] == [{"name": "page", "type": "query", "value": "2"}]


# -- idempotency keys --------------------------------------------------------------------------

BAD_KEYS: dict[str, Any] = {
    "empty": "",
    "newline": "a\nb",
    "carriage-return": "a\rb",
    "tab": "a\tb",
    "nul": "a\x00b",
    "del": "a\x7fb",
    "cyrillic": "ключ",
    "accent": "clé",
    "256-chars": "k" * 256,
    "int": 5,
    "bytes": b"key",
}


async def test_invalid_idempotency_keys_raise_before_sending(ready_session: AsyncSession, emulator: Emulator) -> None:
    for case, key in BAD_KEYS.items():
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "execute": lambda k=key: ready_session.execute("UTILS_ECHO", {}, idempotency_key=k),
            "execute_meta": lambda k=key: ready_session.execute_meta(
                "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "x"}]}, idempotency_key=k
            ),
            "proxy": lambda k=key: ready_session.proxy_execute("github", "/user", "GET", idempotency_key=k),
            "link": lambda k=key: ready_session.create_auth_link("github", idempotency_key=k),
            "update": lambda k=key: ready_session.update(toolkits=["gmail"], idempotency_key=k),
            "multi_execute": lambda k=key: ready_session.multi_execute([("UTILS_ECHO", {})], idempotency_key=k),
        }
        for name, call in calls.items():
            await refused(call, (name, case))
        with pytest.raises(InvalidInputError, match="idempotency_key"):
            async for _item in ready_session.iter_multi_execute([("UTILS_ECHO", {})], idempotency_key=key):
                pass
    assert_nothing_sent(emulator)


async def test_idempotency_key_length_limits(ready_session: AsyncSession, emulator: Emulator) -> None:
    # 255 characters is the cap; a batch's derived keys (f"{key}:{i}", i < 20) must fit it too.
    await ready_session.execute("UTILS_ECHO", {}, idempotency_key="k" * 255)
    [sent] = emulator.journal.find("POST", EXECUTE)
    assert sent.headers["idempotency-key"] == "k" * 255
    emulator.journal.clear()
    with pytest.raises(InvalidInputError):
        await ready_session.multi_execute([("UTILS_ECHO", {})], idempotency_key="k" * 253)
    assert_nothing_sent(emulator)
    await ready_session.multi_execute([("UTILS_ECHO", {})], idempotency_key="k" * 252)
    [sent] = emulator.journal.find("POST", EXECUTE)
    assert sent.headers["idempotency-key"] == "k" * 252 + ":0"


# -- base URLs ----------------------------------------------------------------------------------

REFUSED_BASE_URLS = [
    "http://example.com",
    "http://10.0.0.1",
    "http://192.168.1.10:8080",
    "http://0.0.0.0:8000",
    "http://localhost.example.com",
    "http://127.0.0.1.nip.io",
    "ftp://127.0.0.1/",
    "file:///etc/passwd",
    "ws://localhost:1",
    "https://",
    "http://",
    "127.0.0.1:8000",
    "backend.composio.dev",
    "https://example.com/?token=x",
    "https://example.com/#frag",
]
ACCEPTED_BASE_URLS = [
    "http://127.0.0.1:1",
    "http://localhost:1",
    "http://[::1]:1",
    "http://127.8.9.10:1",
    "https://example.com",
    "https://example.com/prefix/",
]
KINDS = ["async", "sync", "env"]


async def _construct(kind: str, base_url: str, monkeypatch: pytest.MonkeyPatch, **options: Any) -> None:
    """Build (and close) a client the way ``kind`` says; no request is made."""
    if kind == "env":
        monkeypatch.setenv("COMPOSIO_BASE_URL", base_url)
        base: str | None = None
    else:
        monkeypatch.delenv("COMPOSIO_BASE_URL", raising=False)
        base = base_url
    if kind == "sync":
        Composio(api_key=API_KEY, base_url=base, **options).close()
    else:
        await AsyncComposio(api_key=API_KEY, base_url=base, **options).aclose()


@pytest.mark.parametrize("kind", KINDS)
async def test_refused_base_urls(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for base_url in REFUSED_BASE_URLS:
        await refused(lambda u=base_url: _construct(kind, u, monkeypatch), base_url, ConfigurationError)


@pytest.mark.parametrize("kind", KINDS)
async def test_accepted_base_urls(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for base_url in ACCEPTED_BASE_URLS:
        await _construct(kind, base_url, monkeypatch)


async def test_explicit_base_url_wins_over_a_bad_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSIO_BASE_URL", "http://example.com")
    async with AsyncComposio(api_key=API_KEY, base_url="http://127.0.0.1:1") as client:
        assert client.options.base_url == "http://127.0.0.1:1"


@pytest.mark.parametrize("url", ["https://api.example:99999", "https://api.example:abc", "https://evil\\@api.example",
                                 "https://user:pw@api.example", "https://api.example/ path"])
def test_unusable_base_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError):
        AsyncComposio(api_key=API_KEY, base_url=url)


# -- client options ------------------------------------------------------------------------------

BAD_OPTIONS: dict[str, dict[str, Any]] = {
    "max_response_bytes=0": {"max_response_bytes": 0},
    "max_response_bytes=-1": {"max_response_bytes": -1},
    "max_response_bytes=True": {"max_response_bytes": True},
    "max_response_bytes=1.5": {"max_response_bytes": 1.5},
    "idempotency_header=bad header": {"idempotency_header": "bad header"},
    "idempotency_header=empty": {"idempotency_header": ""},
    "idempotency_header=colon": {"idempotency_header": "Idempotency:Key"},
    "idempotency_header=x-api-key": {"idempotency_header": "x-api-key"},
    "idempotency_header=X-API-KEY": {"idempotency_header": "X-API-KEY"},
    "idempotency_header=x-user-api-key": {"idempotency_header": "x-user-api-key"},
    "idempotency_header=x-request-id": {"idempotency_header": "X-Request-Id"},
    "idempotency_header=content-type": {"idempotency_header": "Content-Type"},
    "idempotency_header=host": {"idempotency_header": "Host"},
    "idempotency_header=int": {"idempotency_header": 5},
    "default idempotency header": {"default_headers": {"Idempotency-Key": "k"}},
    "default idempotency header, other case": {"default_headers": {"idempotency-key": "k"}},
    "default custom idempotency header": {"idempotency_header": "X-Dedup", "default_headers": {"x-dedup": "k"}},
    "default x-api-key": {"default_headers": {"x-api-key": "other"}},
    "default X-User-Api-Key": {"default_headers": {"X-User-Api-Key": "u"}},
    "default x-org-api-key": {"default_headers": {"x-org-api-key": "o"}},
    "verify=yes": {"verify": "yes"},
    "verify=1": {"verify": 1},
    "verify=None": {"verify": None},
    "verify=false-string": {"verify": "false"},
    "timeout=0": {"timeout": 0},
    "timeout=-1": {"timeout": -1},
    "connect_timeout=0": {"connect_timeout": 0},
    "max_retries=-1": {"max_retries": -1},
    "max_retries=True": {"max_retries": True},
    "max_retries=2.5": {"max_retries": 2.5},
    "max_connections=0": {"max_connections": 0},
    "max_connections=True": {"max_connections": True},
}


@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_bad_client_options(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for case, options in BAD_OPTIONS.items():
        await refused(lambda o=options: _construct(kind, "http://127.0.0.1:1", monkeypatch, **o), case, ConfigurationError)


async def test_credentials_in_custom_headers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for custom_headers in ("x-api-key: other", "Idempotency-Key: fixed", "X-Org-Api-Key: o\nX-Ok: 1"):
        monkeypatch.setenv("COMPOSIO_CUSTOM_HEADERS", custom_headers)
        with pytest.raises(ConfigurationError):
            AsyncComposio(api_key=API_KEY, base_url="http://127.0.0.1:1")


async def test_missing_or_broken_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    for api_key in (None, "", "   ", "line\nbreak", "carriage\rreturn"):
        with pytest.raises(ConfigurationError):
            AsyncComposio(api_key=api_key, base_url="http://127.0.0.1:1")
        with pytest.raises(ConfigurationError):
            Composio(api_key=api_key, base_url="http://127.0.0.1:1")


async def test_good_options_are_accepted() -> None:
    # Controls for the refusals above.
    context = ssl.create_default_context()
    async with AsyncComposio(
        api_key=API_KEY, base_url="http://127.0.0.1:1", max_response_bytes=1, idempotency_header="X-Dedup-Key",
        default_headers={"X-Trace": "1"}, verify=context, timeout=None, max_retries=0,
    ) as client:
        assert client.options.verify is context and client.options.idempotency_header == "X-Dedup-Key"
    async with AsyncComposio(api_key=API_KEY, base_url="http://127.0.0.1:1", verify=False) as client:
        assert client.options.verify is False


async def test_verify_and_a_callers_session_conflict() -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ConfigurationError, match="verify"):
            AsyncComposio(api_key=API_KEY, base_url="https://api.example", http_session=http, verify=False)


# Header values and names aiohttp refuses (or sends for the server to reject) at request time:
# the client must refuse them when it is built, like every other bad option.
UNSENDABLE_HEADERS: dict[str, dict[str, Any]] = {
    "api key with NUL": {"api_key": "key-\x00-0123456789"},
    "api key with DEL": {"api_key": "key-\x7f-0123456789"},
    "header value with CRLF": {"default_headers": {"X-Trace": "a\r\nInjected: 1"}},
    "header value with NUL": {"default_headers": {"X-Trace": "a\x00b"}},
    "header name with space": {"default_headers": {"bad header": "x"}},
    "empty header name": {"default_headers": {"": "x"}},
    "header name with colon": {"default_headers": {"X-A:B": "x"}},
    "non-str header value": {"default_headers": {"X-Trace": 5}},
}


async def test_unsendable_headers_are_refused_at_construction(emulator: Emulator) -> None:
    problems: list[str] = []
    for case, options in UNSENDABLE_HEADERS.items():
        kwargs = {"api_key": API_KEY, **options}
        try:
            client = AsyncComposio(base_url=emulator.url, max_retries=0, **kwargs)
        except ConfigurationError:
            continue
        # Built anyway: record what the first request does with it.
        async with client:
            try:
                await client.create(user_id="user-1")
            except Exception as exc:
                outcome = f"{type(exc).__name__}: {exc}".splitlines()[0]
            else:
                outcome = "the request succeeded"
        problems.append(f"{case}: constructed; the first request then gave {outcome}")
    assert not problems, "\n".join(problems)


# -- fuzzing: refused locally, or sent exactly as given -------------------------------------------

surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2)
slugs = st.text(max_size=40) | surrogates | st.from_regex(r"[A-Z][A-Z0-9_]{0,30}", fullmatch=True)


def _only_typed_errors(call: Callable[[], Any]) -> tuple[Any, ComposioError | None]:
    """Run a sync call; an InvalidInputError or a server's APIStatusError are the only errors allowed."""
    try:
        return call(), None
    except (InvalidInputError, APIStatusError) as exc:
        return None, exc


@FUZZ
@given(slug=slugs)
@example(slug="")
@example(slug="   ")
@example(slug="\ud800")
@example(slug="../../etc/passwd")
@example(slug="UTILS_ECHO")
def test_fuzzed_execute_slugs(emulator_thread: Emulator, sync_ready_session: Session, slug: str) -> None:
    emulator_thread.journal.clear()
    result, error = _only_typed_errors(lambda: sync_ready_session.execute(slug, {"q": 1}))
    sent = emulator_thread.journal.find("POST", EXECUTE)
    if isinstance(error, InvalidInputError):
        assert list(emulator_thread.journal) == []
        return
    assert len(sent) == 1 and sent[0].body["tool_slug"] == slug
    assert error is not None or isinstance(result, ExecuteResult)


@FUZZ
@given(slug=slugs)
@example(slug="COMPOSIO_SEARCH_TOOLS")
@example(slug="\ud800")
def test_fuzzed_execute_meta_slugs(emulator_thread: Emulator, sync_ready_session: Session, slug: str) -> None:
    emulator_thread.journal.clear()
    _result, error = _only_typed_errors(
        lambda: sync_ready_session.execute_meta(slug, {"queries": [{"use_case": "x"}]})
    )
    sent = emulator_thread.journal.find("POST", BASE + "/*/execute_meta")
    if isinstance(error, InvalidInputError):
        assert list(emulator_thread.journal) == []
        return
    assert len(sent) == 1 and sent[0].body["slug"] == slug


@FUZZ
@given(toolkit=slugs, endpoint=st.text(max_size=30))
@example(toolkit="github", endpoint="/user")
@example(toolkit="\ud800", endpoint="/user")
def test_fuzzed_proxy_toolkits_and_endpoints(
    emulator_thread: Emulator, sync_ready_session: Session, toolkit: str, endpoint: str
) -> None:
    emulator_thread.journal.clear()
    _result, error = _only_typed_errors(lambda: sync_ready_session.proxy_execute(toolkit, endpoint, "GET"))
    sent = emulator_thread.journal.find("POST", BASE + "/*/proxy_execute")
    if isinstance(error, InvalidInputError):
        assert list(emulator_thread.journal) == []
        return
    assert len(sent) == 1 and (sent[0].body["toolkit_slug"], sent[0].body["endpoint"]) == (toolkit, endpoint)


@FUZZ
@given(session_id=st.text(max_size=40) | surrogates)
@example(session_id=".")
@example(session_id="..")
@example(session_id="a/../../b")
@example(session_id="%2e%2e")
@example(session_id="?x=1#f")
@example(session_id="\ud800")
def test_fuzzed_session_ids(emulator_thread: Emulator, sync_fast_client: Composio, session_id: str) -> None:
    emulator_thread.journal.clear()
    _result, error = _only_typed_errors(lambda: sync_fast_client.use(session_id))
    if isinstance(error, InvalidInputError):
        assert list(emulator_thread.journal) == []
        return
    # Exactly one path segment, percent-encoded: the server decodes back the id as given.
    [sent] = list(emulator_thread.journal)
    assert (sent.method, sent.path, sent.query_string) == ("GET", f"{BASE}/{session_id}", "")


@FUZZ
@given(value=st.text(max_size=40) | surrogates)
@example(value="a&b=c")
@example(value="1+1 #x")
@example(value="\ud800")
def test_fuzzed_query_values(emulator_thread: Emulator, sync_ready_session: Session, value: str) -> None:
    """A query value is refused, or the server reads back exactly that value (never another one)."""
    emulator_thread.journal.clear()
    _result, error = _only_typed_errors(lambda: sync_ready_session.toolkits(search=value))
    if isinstance(error, InvalidInputError):
        assert list(emulator_thread.journal) == []
        return
    [sent] = list(emulator_thread.journal)
    assert sent.query == {"search": value}


@FUZZ
@given(key=st.text(max_size=300) | st.text(st.characters(codec="ascii"), min_size=250, max_size=260))
@example(key=" leading-space")
@example(key="trailing-space ")
@example(key="k" * 255)
def test_fuzzed_idempotency_keys(emulator_thread: Emulator, sync_ready_session: Session, key: str) -> None:
    """A key is refused, or the server reads back exactly the key that was given."""
    emulator_thread.journal.clear()
    _result, error = _only_typed_errors(lambda: sync_ready_session.execute("UTILS_ECHO", {}, idempotency_key=key))
    if isinstance(error, InvalidInputError):
        assert list(emulator_thread.journal) == []
        return
    [sent] = emulator_thread.journal.find("POST", EXECUTE)
    assert sent.headers["idempotency-key"] == key
