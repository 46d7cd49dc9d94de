"""The API key stays secret and TLS stays verified (issue point 7).

The key never appears in reprs, log records (every logger at DEBUG), exception text,
attributes, pickles or tracebacks (causes and contexts included), and never reaches an
origin other than the configured API: not across redirects, not on presigned storage
URLs, not in the MCP headers of a server on another origin. Certificates are verified
unless the caller turns that off: an untrusted certificate fails at once, unretried and
with nothing sent, and a caller's CA context or ``verify=False`` gets through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import ssl
import threading
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import orjson
import pytest
import trustme
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from composio_router import (
    APIConnectionError,
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    Composio,
    ComposioError,
    errors,
    tool,
)
from composio_router._config import CREDENTIAL_HEADER_NAMES, ClientOptions
from composio_router.providers import McpProvider, mcp_config
from composio_router.testing import Emulator

from ..conftest import API_KEY
from .conftest import ConnectFailureWatch, free_port

pytestmark = pytest.mark.anyio

SECRET = "sk-live-7e3f1c9a5b2d4e6f8a0b1c2d3e4f5a6b-reliability-SECRET"
# A part of the key is a leak too: any 16 consecutive characters of its random middle.
FRAGMENTS = [SECRET[i : i + 16] for i in range(8, 40 - 15)]
# A key no fixture holds, for the tests that count who holds a key or build their own client.
LONE_SECRET = "sk-lone-0123456789abcdef-KEY"


def _shows_key(text: str) -> bool:
    return SECRET in text or any(f in text for f in FRAGMENTS)
BASE = "/api/v3.1/tool_router/session"
EXECUTE = BASE + "/*/execute"
SEARCH = BASE + "/*/search"
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def api_key() -> str:
    """Overrides the shared key: every emulator, client and session fixture here uses this module's secret."""
    return SECRET


# -- where a secret could hide in an exception ----------------------------------------------------


def _chain(err: BaseException) -> Iterator[BaseException]:
    """The error, its causes and contexts (suppressed ones too), each once."""
    seen: set[int] = set()
    todo = [err]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        todo.extend(e for e in (node.__cause__, node.__context__) if e is not None)
        if isinstance(node, BaseExceptionGroup):
            todo.extend(node.exceptions)


def _text_exposures(err: BaseException) -> list[str]:
    """Where the key shows in what a person or a log would read: str, repr, args, tracebacks."""
    found = []
    traced = "".join(traceback.format_exception(err))
    if _shows_key(traced):
        found.append("formatted traceback")
    for node in _chain(err):
        name = type(node).__name__
        for where, text in (("str", str(node)), ("repr", repr(node)), ("args", repr(node.args))):
            if _shows_key(text):
                found.append(f"{name} {where}")
        for field in ("message", "slug", "suggested_fix", "errors", "request_id"):
            if _shows_key(repr(getattr(node, field, None))):
                found.append(f"{name}.{field}")
    return found


def _stored_exposures(err: BaseException) -> list[str]:
    """Where the key hides in what a program would keep: attributes and pickles."""
    found = []
    for node in _chain(err):
        name = type(node).__name__
        for attribute, value in vars(node).items():
            if _shows_key(repr(value)):
                found.append(f"{name}.{attribute}")
    with contextlib.suppress(TypeError, pickle.PicklingError, AttributeError):
        if _shows_key(pickle.dumps(err).decode("utf-8", "replace")):
            found.append("pickle")
    return found


async def _raised(call: Callable[[], Awaitable[Any]]) -> ComposioError:
    with pytest.raises(ComposioError) as info:
        await call()
    return info.value


# -- reprs --------------------------------------------------------------------------------------


async def test_reprs_never_show_the_key(ready_session: AsyncSession, fast_client: AsyncComposio) -> None:
    server = ready_session.mcp
    assert server.headers == {"x-api-key": SECRET}  # the MCP client needs it (same origin) ...
    config = mcp_config(ready_session)
    provided = await ready_session.get_provider_tools(McpProvider())
    shown = [
        fast_client, fast_client.options, fast_client.sessions, ready_session, ready_session.info, ready_session.info.mcp, server, config, provided,
        ClientOptions(api_key=SECRET, base_url="https://example.com"),
    ]
    for obj in shown:
        assert SECRET not in repr(obj), type(obj).__name__  # ... but never shows it
        assert SECRET not in str(obj), type(obj).__name__


def test_sync_reprs_never_show_the_key() -> None:
    with Emulator.running_in_thread(api_key=SECRET) as emu, Composio(api_key=SECRET, base_url=emu.url) as composio:
        session = composio.create(user_id="user-1")
        assert session.mcp.headers == {"x-api-key": SECRET}
        for obj in (composio, composio.options, composio.sessions, session, session.info, session.mcp):
            assert SECRET not in repr(obj) and SECRET not in str(obj), type(obj).__name__


# -- logs ---------------------------------------------------------------------------------------


@tool
def explode(reason: str) -> dict[str, Any]:
    """Always raises."""
    raise RuntimeError(f"boom: {reason}")


async def test_debug_logs_never_carry_the_key(
    caplog: pytest.LogCaptureFixture, emulator: Emulator, fast_backoff: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records propagate here
    for name in ("composio_router", "composio_router.transport", "composio_router.testing", "aiohttp", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    echo = orjson.dumps({"error": {"message": f"bad key {SECRET}", "slug": "Auth_Bad", "suggested_fix": f"rotate {SECRET}",
                                   "errors": [SECRET]}})
    async with AsyncComposio(api_key=SECRET, base_url=emulator.url, max_retries=2, timeout=5) as client:
        session = await client.create(user_id="user-1", custom_tools=[explode])
        emulator.connect_account("user-1", "gmail")
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
        emulator.faults.add(SEARCH, status=503, times=2, headers={"retry-after-ms": "1"})
        await session.search("weather")  # two retries, logged
        emulator.faults.add(SEARCH, action="drop")
        await session.search("weather")  # a lost connection, retried
        emulator.faults.add(SEARCH, action="truncate")
        await session.search("weather")
        emulator.faults.add(EXECUTE, status=401, body=echo, headers=JSON_HEADERS)
        emulator.faults.add(EXECUTE, status=500, body=echo, headers=JSON_HEADERS)
        emulator.faults.add(EXECUTE, action="malformed")
        emulator.faults.add(EXECUTE, action="drop_after")
        emulator.faults.add(EXECUTE, delay=0.4)
        for _ in range(5):
            with contextlib.suppress(ComposioError):
                await session.execute("UTILS_ECHO", {"x": 1}, timeout=0.1)
        batch = await session.multi_execute([("LOCAL_EXPLODE", {"reason": "x"}), ("UTILS_ECHO", {}), ("NOPE", {})])
        assert not batch.successful
        await session.experimental.files.upload(b"data", remote_path="a.txt")
        assert await (await session.experimental.files.download("a.txt")).read() == b"data"
        await session.update(toolkits=["gmail"])
        await session.delete()
    async with AsyncComposio(api_key=SECRET, base_url=f"http://127.0.0.1:{free_port()}", max_retries=2) as refused:
        with pytest.raises(APIConnectionError):
            await refused.create(user_id="user-1")
    async with AsyncComposio(api_key=SECRET + "-wrong", base_url=emulator.url) as wrong:
        with pytest.raises(ComposioError):
            await wrong.create(user_id="user-1")
    transport = [r for r in caplog.records if r.name == "composio_router.transport" and r.levelno == logging.DEBUG]
    assert any("retrying" in r.getMessage() for r in transport), "DEBUG records were captured"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        assert not _shows_key(record.getMessage()), record.name
        assert not _shows_key(repr(record.args)), record.name
        assert not _shows_key(formatter.format(record)), record.name  # with any exc_info rendered
    assert not _shows_key(caplog.text)


# -- exceptions -----------------------------------------------------------------------------------


def _envelope(**fields: Any) -> bytes:
    return orjson.dumps({"error": {"message": "failed", "code": 1, "slug": "X", "status": 400, **fields}})


# (path, status, body): the server answers an execute (or a search) with the key echoed somewhere.
ECHOES: dict[str, tuple[str, int, bytes]] = {
    "message": (EXECUTE, 400, _envelope(message=f"Invalid API key {SECRET}")),
    "suggested_fix": (EXECUTE, 401, _envelope(suggested_fix=f"use a key other than {SECRET}")),
    "errors": (EXECUTE, 422, _envelope(errors=[f"header x-api-key={SECRET} rejected", {"key": SECRET}])),
    "html": (EXECUTE, 502, f"<html><body>upstream said {SECRET}</body></html>".encode()),
    "text": (EXECUTE, 500, f"key={SECRET}".encode()),
    # Error texts keep the first 300 characters: this key straddles the cut.
    "html, key across the 300-character cut": (EXECUTE, 502, b"<html>" + b"." * 270 + SECRET.encode() + b"</html>"),
    "slug": (EXECUTE, 400, _envelope(slug=SECRET)),
    "malformed 2xx": (EXECUTE, 200, b'{"data": {"key": "' + SECRET.encode() + b'"'),
    "2xx non-object": (EXECUTE, 200, orjson.dumps(f"key {SECRET}")),
    "2xx that does not fit": (SEARCH, 200, orjson.dumps({"success": SECRET, "results": []})),
}


def _echo(emulator: Emulator, session: AsyncSession, case: str) -> Callable[[], Awaitable[Any]]:
    path, status, body = ECHOES[case]
    emulator.faults.add(path, status=status, body=body, times=3, headers=JSON_HEADERS if body.startswith(b"{") else None)
    if path == SEARCH:
        return lambda: session.search("weather")
    return lambda: session.execute("UTILS_ECHO", {})


@pytest.mark.parametrize("case", list(ECHOES))
async def test_echoed_key_never_reaches_error_text(ready_session: AsyncSession, emulator: Emulator, case: str) -> None:
    err = await _raised(_echo(emulator, ready_session, case))
    found = _text_exposures(err)
    assert not found, f"{type(err).__name__}: the key shows in {found}"
    assert "***" in str(err) or ECHOES[case][1] == 200  # scrubbed, not dropped


async def test_echoed_key_never_reaches_error_attributes_or_pickles(ready_session: AsyncSession, emulator: Emulator) -> None:
    """What a program keeps of an error (``err.body``, ``vars(err)``, a pickle sent to another
    process or a task queue) is as clean as its message."""
    exposures: dict[str, list[str]] = {}
    for case in ECHOES:
        err = await _raised(_echo(emulator, ready_session, case))
        emulator.faults.clear()
        if found := _stored_exposures(err):
            exposures[case] = found
        clone = pickle.loads(pickle.dumps(err))
        assert type(clone) is type(err) and str(clone) == str(err)
    assert not exposures, "the key is kept in: " + "; ".join(f"{c}: {', '.join(w)}" for c, w in exposures.items())


async def test_transport_failures_carry_no_key(
    fast_client: AsyncComposio, ready_session: AsyncSession, emulator: Emulator, tls: TLS
) -> None:
    errors: list[ComposioError] = []
    emulator.faults.add(EXECUTE, action="drop")
    errors.append(await _raised(lambda: ready_session.execute("UTILS_ECHO", {})))
    emulator.faults.add(EXECUTE, action="truncate")
    errors.append(await _raised(lambda: ready_session.execute("UTILS_ECHO", {})))
    emulator.faults.add(EXECUTE, delay=0.3)
    errors.append(await _raised(lambda: ready_session.execute("UTILS_ECHO", {}, timeout=0.1)))
    assert isinstance(errors[-1], APITimeoutError)
    async with AsyncComposio(api_key=SECRET, base_url=f"http://127.0.0.1:{free_port()}", max_retries=1) as refused:
        errors.append(await _raised(lambda: refused.create(user_id="user-1")))
    async with Emulator(api_key=SECRET, ssl_context=tls.server) as https, AsyncComposio(
        api_key=SECRET, base_url=https.url
    ) as untrusting:
        errors.append(await _raised(lambda: untrusting.create(user_id="user-1")))
    for err in errors:
        assert isinstance(err, APIConnectionError)
        assert _text_exposures(err) == [] and _stored_exposures(err) == [], type(err).__name__


@pytest.fixture
async def garbage_server() -> AsyncIterator[str]:
    """A loopback server that answers every request with an unparseable status line."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 abc nonsense\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def test_no_exception_in_the_chain_carries_the_key(garbage_server: str) -> None:
    # aiohttp's ClientResponseError keeps the request headers; it must not be the context.
    async with AsyncComposio(api_key=LONE_SECRET, base_url=garbage_server, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.create(user_id="u")
    for exc in _chain(info.value):
        assert LONE_SECRET not in repr(vars(exc)) + repr(exc) + "".join(traceback.format_exception(exc))
        assert not isinstance(exc, aiohttp.ClientResponseError)


async def test_an_echoed_request_id_is_scrubbed(emulator: Emulator) -> None:
    async with AsyncComposio(api_key=LONE_SECRET, base_url=emulator.url, max_retries=0) as client:
        emulator.faults.add("*/session", status=400, headers={"x-request-id": LONE_SECRET})
        with pytest.raises(ComposioError) as info:
            await client.create(user_id="u")
    assert LONE_SECRET not in repr(info.value) and LONE_SECRET not in str(info.value.__dict__)


# -- the registry of keys to scrub ---------------------------------------------------------------


def test_secret_registry_is_safe_across_threads() -> None:
    stop = threading.Event()
    failures: list[BaseException] = []

    def churn() -> None:
        n = 0
        while not stop.is_set():
            key = f"churn-key-{n:08d}-abcdef"
            errors.register_secret(key)
            errors.unregister_secret(key)
            n += 1

    def scrub() -> None:
        try:
            for _ in range(5000):
                errors.scrub_text("a message without secrets, repeated " * 4)
        except BaseException as exc:
            failures.append(exc)

    writer = threading.Thread(target=churn)
    readers = [threading.Thread(target=scrub) for _ in range(2)]
    writer.start()
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    writer.join()
    assert not failures


async def test_a_closed_client_unregisters_its_key(emulator: Emulator) -> None:
    async with AsyncComposio(api_key=LONE_SECRET, base_url=emulator.url) as client:
        assert LONE_SECRET in errors._secret_counts
        async with AsyncComposio(api_key=LONE_SECRET, base_url=emulator.url):
            pass
        assert LONE_SECRET in errors._secret_counts  # still held by the first client
        del client
    assert LONE_SECRET not in errors._secret_counts


# -- other origins: redirects, presigned storage, MCP ---------------------------------------------


class Recorder:
    """A loopback HTTP server that records the headers of every request it gets."""

    def __init__(self, answer: Callable[[web.Request, Recorder], Awaitable[web.StreamResponse]]) -> None:
        self.answer = answer
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []  # method, path, headers, body
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append((request.method, request.path_qs, {k.lower(): v for k, v in request.headers.items()}, body))
        return await self.answer(request, self)

    def credentials_seen(self) -> list[str]:
        return [h for _m, _p, headers, _b in self.requests for h in headers if h in CREDENTIAL_HEADER_NAMES]


@contextlib.asynccontextmanager
async def serving(*recorders: Recorder) -> AsyncIterator[None]:
    runners = []
    try:
        for recorder in recorders:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", recorder.handle)
            runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            recorder.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        yield
    finally:
        for runner in runners:
            await runner.cleanup()


def _session_json(session_id: str = "trs_elsewhere", mcp_url: str = "https://mcp.example.com/mcp") -> dict[str, Any]:
    return {
        "session_id": session_id,
        "mcp": {"type": "http", "url": mcp_url},
        "tool_router_tools": [],
        "config": {"user_id": "user-1"},
        "config_version": 1,
    }


async def _answer_session(request: web.Request, recorder: Recorder) -> web.StreamResponse:
    return web.json_response(_session_json(), status=201 if request.method == "POST" else 200)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_to_another_origin_drops_the_key(status: int, fast_backoff: list[float]) -> None:
    async def redirect(request: web.Request, recorder: Recorder) -> web.StreamResponse:
        # The base URL is {api}/via-{n}: each hop names where to go next.
        hop = request.path.split("/")[1]
        rest = request.path[len(hop) + 1 :]
        # A same-origin hop first (the key stays), then the hop to the other origin.
        target = api.url + "/via-other" + rest if hop == "via-same" else other.url + rest
        return web.Response(status=status, headers={"Location": target})

    api, other = Recorder(redirect), Recorder(_answer_session)
    async with serving(api, other):
        for prefix in ("/via-other", "/via-same"):
            async with AsyncComposio(
                api_key=SECRET, base_url=api.url + prefix, default_headers={"X-Trace": "t-1"}
            ) as client:
                await client.use("trs_1")  # GET
                await client.create(user_id="user-1")  # POST
    assert len(api.requests) == 6 and len(other.requests) == 4
    assert all(headers.get("x-api-key") == SECRET for _m, _p, headers, _b in api.requests)
    assert other.credentials_seen() == []
    # The caller's own default headers stay home too (they may be a gateway's credential).
    assert all("x-trace" not in headers for _m, _p, headers, _b in other.requests)
    assert all(headers.get("x-trace") == "t-1" for _m, _p, headers, _b in api.requests)
    methods = [m for m, _p, _h, _b in other.requests]
    assert methods == (["GET", "POST"] * 2 if status in (307, 308) else ["GET", "GET"] * 2)


async def test_redirect_to_another_host_name_for_the_same_server_drops_the_key(fast_backoff: list[float]) -> None:
    # Origins are scheme, host name and port: localhost is not 127.0.0.1, even on one socket.
    async def answer(request: web.Request, recorder: Recorder) -> web.StreamResponse:
        if request.path.startswith("/final"):
            return await _answer_session(request, recorder)
        port = api.url.rsplit(":", 1)[1]
        return web.Response(status=307, headers={"Location": f"http://localhost:{port}/final{request.path}"})

    api = Recorder(answer)
    async with serving(api), AsyncComposio(api_key=SECRET, base_url=api.url) as client:
        await client.use("trs_1")
    [(_m, _first, first_headers, _b), (_m2, final, final_headers, _b2)] = api.requests
    assert first_headers["x-api-key"] == SECRET and final.startswith("/final/")
    assert final_headers["host"].startswith("localhost:")
    assert not set(final_headers) & set(CREDENTIAL_HEADER_NAMES)


class _LoopbackOnlyResolver(AbstractResolver):
    """Refuses to resolve anything but localhost: a test that would leave the machine fails."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
        if host != "localhost":
            self.refused.append(host)
            raise OSError(f"refused to resolve {host}")
        return [ResolveResult(hostname=host, host="127.0.0.1", port=port, family=2, proto=0, flags=0)]

    async def close(self) -> None:
        return None


async def test_a_redirect_to_plain_http_off_this_machine_is_refused() -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPTemporaryRedirect("http://api.invalid/api/v3.1/tool_router/session")

    app = web.Application()
    app.router.add_post("/api/v3.1/tool_router/session", redirect)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    resolver = _LoopbackOnlyResolver()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as http:
            client = AsyncComposio(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", http_session=http, max_retries=0)
            with pytest.raises(APIConnectionError, match="refused a redirect"):
                await client.create(user_id="u")
            await client.aclose()
    finally:
        await runner.cleanup()
    assert resolver.refused == []  # refused before any look-up or connection


async def _storage(request: web.Request, recorder: Recorder) -> web.StreamResponse:
    if request.method == "PUT":
        return web.Response(status=200)
    return web.Response(body=b"stored elsewhere", content_type="application/octet-stream")


async def test_presigned_storage_requests_never_carry_the_key(ready_session: AsyncSession, emulator: Emulator) -> None:
    # The emulator's storage shares the API's origin: the SDK still sends no credential there.
    await ready_session.experimental.files.upload(b"hello", remote_path="notes/a.txt", mimetype="text/plain")
    assert await (await ready_session.experimental.files.download("notes/a.txt")).read() == b"hello"
    storage = emulator.journal.find(None, "/_storage/*")
    assert [e.method for e in storage] == ["PUT", "GET"]
    assert all(not set(e.headers) & set(CREDENTIAL_HEADER_NAMES) for e in storage)
    assert all("x-api-key" in e.headers for e in emulator.journal.find("POST", "*_url"))  # the API calls had it
    # Storage on another origin (as in production): nothing there either.
    bucket = Recorder(_storage)
    async with serving(bucket):
        emulator.faults.add("*/upload_url", status=200, headers=JSON_HEADERS, body=orjson.dumps(
            {"upload_url": f"{bucket.url}/bucket/a.txt?X-Signature=abc", "mount_relative_path": "a.txt"}))
        emulator.faults.add("*/download_url", status=200, headers=JSON_HEADERS, body=orjson.dumps(
            {"download_url": f"{bucket.url}/bucket/a.txt?X-Signature=def"}))
        await ready_session.experimental.files.upload(b"payload", remote_path="a.txt", mimetype="text/csv")
        assert await (await ready_session.experimental.files.download("a.txt")).read() == b"stored elsewhere"
    assert [(m, p) for m, p, _h, _b in bucket.requests] == [
        ("PUT", "/bucket/a.txt?X-Signature=abc"), ("GET", "/bucket/a.txt?X-Signature=def")]
    assert bucket.requests[0][2]["content-type"] == "text/csv" and bucket.requests[0][3] == b"payload"
    assert bucket.credentials_seen() == []


async def test_mcp_headers_carry_the_key_only_for_the_api_origin(ready_session: AsyncSession, emulator: Emulator) -> None:
    own = ready_session.info.mcp.url
    assert own.startswith(emulator.url + "/")
    assert ready_session.mcp.headers == {"x-api-key": SECRET}
    host_port = emulator.url.removeprefix("http://")
    port = int(host_port.rsplit(":", 1)[1])
    elsewhere = [
        f"http://127.0.0.1:{free_port()}/mcp",  # another port
        f"http://localhost:{port}/mcp",  # another host name for the same machine
        f"https://{host_port}/mcp",  # another scheme
        f"http://{host_port}@evil.example/mcp",  # userinfo that looks like the API
        f"http://evil.example/?next={emulator.url}",
        "https://mcp.composio.dev/v3/mcp",
        f"//{host_port}/mcp",  # scheme-relative
        "",
    ]
    for url in elsewhere:
        emulator.faults.add(f"{BASE}/{ready_session.session_id}", method="GET", status=200, headers=JSON_HEADERS,
                            body=orjson.dumps(_session_json(ready_session.session_id, url)))
        await ready_session.refresh()
        assert ready_session.info.mcp.url == url
        config = mcp_config(ready_session)
        assert ready_session.mcp.headers == {} and config.headers == {}, url
        for exported in (config.to_dict(), config.to_mcp_servers(), config.to_openai_tool()):
            assert SECRET not in orjson.dumps(exported).decode(), url
    # Back on the API's origin (any spelling of it), the key is attached again.
    emulator.faults.add(f"{BASE}/{ready_session.session_id}", method="GET", status=200, headers=JSON_HEADERS,
                        body=orjson.dumps(_session_json(ready_session.session_id, own.replace("http://", "HTTP://"))))
    await ready_session.refresh()
    assert ready_session.mcp.headers == {"x-api-key": SECRET}
    assert mcp_config(ready_session).to_dict()["headers"] == {"x-api-key": SECRET}


# -- TLS ------------------------------------------------------------------------------------------


class TLS:
    """A private CA and a server certificate for 127.0.0.1 and localhost."""

    def __init__(self) -> None:
        self.ca = trustme.CA()
        self.server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(self.server)

    def trusting(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


@pytest.fixture(scope="module")
def tls() -> TLS:
    return TLS()


@pytest.fixture
async def https_emulator(tls: TLS) -> AsyncIterator[Emulator]:
    async with Emulator(api_key=SECRET, ssl_context=tls.server) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        yield emu


async def test_tls_verification_is_on_by_default(https_emulator: Emulator, tls: TLS) -> None:
    assert ClientOptions(api_key=SECRET, base_url="https://example.com").verify is True
    async with AsyncComposio(api_key=SECRET, base_url=https_emulator.url) as client:
        assert client.options.verify is True
        with pytest.raises(APIConnectionError):
            await client.use("trs_1")
        http = client._transport._http
        assert isinstance(http, aiohttp.ClientSession) and isinstance(http.connector, aiohttp.TCPConnector)
        assert http.connector._ssl is True  # aiohttp: verify against the default trust store
    with Composio(api_key=SECRET, base_url=https_emulator.url) as sync_client:
        assert sync_client.options.verify is True
    context = tls.trusting()
    async with AsyncComposio(api_key=SECRET, base_url=https_emulator.url, verify=context) as client:
        await client.create(user_id="user-1")
        connector = client._transport._http.connector  # type: ignore[union-attr]
        assert connector._ssl is context  # type: ignore[union-attr]
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


async def test_untrusted_certificate_fails_at_once_unretried(
    https_emulator: Emulator, fast_backoff: list[float], connect_failures: ConnectFailureWatch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Process-wide opt-outs meant for urllib do not switch the SDK's verification off.
    monkeypatch.setenv("PYTHONHTTPSVERIFY", "0")
    monkeypatch.setattr(ssl, "_create_default_https_context", ssl._create_unverified_context)
    async with AsyncComposio(api_key=SECRET, base_url=https_emulator.url, max_retries=2, timeout=10) as client:
        for call in (lambda: client.create(user_id="user-1"), lambda: client.use("trs_1")):
            started = time.monotonic()
            with pytest.raises(APIConnectionError) as info:
                await call()
            err = info.value
            assert type(err) is APIConnectionError and err.request_sent is False
            assert "certificate" in str(err) and "verify=" in str(err)  # says what to do
            assert _text_exposures(err) == []
            assert time.monotonic() - started < 2
    assert fast_backoff == [] and connect_failures.count == 0  # never retried
    assert list(https_emulator.journal) == []  # nothing reached the server


async def test_certificate_for_another_host_is_refused(tls: TLS) -> None:
    # Trusted CA, wrong name: hostname checking is part of verification.
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.ca.issue_cert("api.example.com").configure_cert(server)
    async with Emulator(api_key=SECRET, ssl_context=server) as emu, AsyncComposio(
        api_key=SECRET, base_url=emu.url, verify=tls.trusting()
    ) as client:
        with pytest.raises(APIConnectionError, match="certificate") as info:
            await client.create(user_id="user-1")
        assert info.value.request_sent is False and list(emu.journal) == []


@pytest.mark.parametrize("verify", ["trusting context", False])
async def test_callers_trust_or_explicit_opt_out_gets_through(https_emulator: Emulator, tls: TLS, verify: Any) -> None:
    chosen = tls.trusting() if verify == "trusting context" else False
    async with AsyncComposio(api_key=SECRET, base_url=https_emulator.url, verify=chosen) as client:
        session = await client.create(user_id="user-1")
        assert (await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})).successful
        assert session.mcp.headers == {"x-api-key": SECRET}  # https origin matches too
    assert https_emulator.journal[0].headers["x-api-key"] == "<redacted>"


def test_sync_client_over_https(tls: TLS) -> None:
    with Emulator.running_in_thread(api_key=SECRET, ssl_context=tls.server) as emu:
        with Composio(api_key=SECRET, base_url=emu.url, verify=tls.trusting()) as composio:
            session = composio.create(user_id="user-1")
            assert session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"}).successful
        with Composio(api_key=SECRET, base_url=emu.url) as composio:
            with pytest.raises(APIConnectionError, match="certificate") as info:
                composio.create(user_id="user-1")
            assert info.value.request_sent is False
        assert [e.method for e in emu.journal] == ["POST", "POST"]  # only the trusting client's calls
