"""OpenTelemetry: the span tree of a batch, HTTP client spans, metrics, propagation, secrecy.

Everything goes to the OpenTelemetry SDK's in-memory exporters, through providers given to
the client (the global providers are process-wide and other tests must not see spans).
Asserted: the span tree for a batch with one failing item and one retried read; HTTP
attempt spans with the client conventions and a resend count; the typed error's class on
failures; metrics by operation and outcome; ``traceparent`` reaching the server, and not
when switched off; the sync facade's spans nesting under the caller's span; and that no
argument value, result value or key appears in any exported attribute or event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from composio_router import AsyncComposio, Composio, tool
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio

SECRET_ARGUMENT = "argument-value-9d8c7b6a5f4e"  # must never appear in telemetry
SEARCH = "/api/v3.1/tool_router/session/*/search"
EXECUTE = "/api/v3.1/tool_router/session/*/execute"


class Otel:
    """A tracer and a meter provider with in-memory exporters, for one test."""

    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name == name]

    def metrics(self) -> dict[str, list[Any]]:
        data = self.reader.get_metrics_data()
        out: dict[str, list[Any]] = {}
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    out.setdefault(metric.name, []).extend(metric.data.data_points)
        return out

    def instruments(self) -> dict[str, tuple[str, str]]:
        """Each metric instrument's unit and kind of data (``Histogram``, ``Sum``), by name."""
        data = self.reader.get_metrics_data()
        return {
            metric.name: (metric.unit, type(metric.data).__name__)
            for resource in (data.resource_metrics if data else ())
            for scope in resource.scope_metrics
            for metric in scope.metrics
        }

    def dump(self) -> str:
        """Everything exported, as text: for the secrecy checks."""
        spans = [
            {"name": s.name, "attributes": dict(s.attributes or {}),
             "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in s.events],
             "status": str(s.status.description)}
            for s in self.finished()
        ]
        points = {name: [dict(p.attributes) for p in pts] for name, pts in self.metrics().items()}
        return json.dumps({"spans": spans, "metrics": points}, default=str)

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@pytest.fixture
def otel() -> Iterator[Otel]:
    recorder = Otel()
    yield recorder
    recorder.shutdown()


@tool
def explode(text: str) -> dict[str, Any]:
    """A custom tool that fails."""
    raise RuntimeError("exploded")


def _client(emulator_url: str, api_key: str, otel: Otel, **options: Any) -> AsyncComposio:
    return AsyncComposio(
        api_key=api_key, base_url=emulator_url, max_retries=2, tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider, **options,
    )


async def test_a_batch_with_a_failing_item_and_a_retried_read(
    emulator: Emulator, api_key: str, otel: Otel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from composio_router import _transport

    monkeypatch.setattr(_transport, "backoff_delay", lambda attempt: 0.01)
    emulator.faults.add(SEARCH, method="POST", status=503, times=1)  # the read is retried once
    async with _client(emulator.url, api_key, otel) as client:
        session = await client.create(user_id="user-1", custom_tools=[explode])
        await session.search("create an issue")
        batch = await session.multi_execute(
            [("UTILS_ECHO", {"text": SECRET_ARGUMENT}), ("EXPLODE", {"text": SECRET_ARGUMENT})]
        )
    assert [item.successful for item in batch.results] == [True, False]

    # The retried read: one operation span, two HTTP attempts under it, the second a resend.
    [search] = otel.named("composio_router.search")
    attempts = [s for s in otel.finished() if s.parent is not None and s.parent.span_id == search.context.span_id]
    assert [s.name for s in attempts] == ["POST /api/v3.1/tool_router/session/{session_id}/search"] * 2
    first, second = attempts
    assert first.kind == trace.SpanKind.CLIENT
    assert first.attributes["http.response.status_code"] == 503 and first.attributes["error.type"] == "503"
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1 and second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.method"] == "POST"
    assert second.attributes["server.address"] == "127.0.0.1" and isinstance(second.attributes["server.port"], int)
    assert second.attributes["composio.request_id"]

    [create] = otel.named("composio_router.session.create")
    assert create.attributes["composio.session_id"] == session.session_id  # set once the session exists

    # The batch: one span, one child per item; the custom tool's marked local, and failed.
    [multi] = otel.named("composio_router.multi_execute")
    assert multi.attributes["composio.batch_size"] == 2 and multi.attributes["composio.batch_errors"] == 1
    assert multi.attributes["composio.session_id"] == session.session_id
    items = sorted(
        (s for s in otel.finished() if s.parent is not None and s.parent.span_id == multi.context.span_id),
        key=lambda s: s.attributes["composio.batch.index"],
    )
    assert [s.name for s in items] == ["execute_tool UTILS_ECHO", "execute_tool EXPLODE"]
    echo, failing = items
    assert echo.attributes["gen_ai.operation.name"] == "execute_tool"
    assert echo.attributes["composio.local"] is False and echo.attributes["composio.outcome"] == "success"
    assert echo.attributes["gen_ai.tool.type"] == "extension"  # runs on the server
    assert echo.attributes["composio.log_id"]
    # The local item: known to be local only once resolved, yet typed as a local function.
    assert failing.attributes["composio.local"] is True and failing.attributes["gen_ai.tool.type"] == "function"
    for item in items:
        assert item.attributes["composio.session_id"] == session.session_id
        assert item.attributes["composio.operation"] == "multi_execute.item"
    assert failing.attributes["error.type"] == "CustomToolError"
    assert failing.status.status_code == trace.StatusCode.ERROR
    assert any(e.name == "exception" for e in failing.events)
    # The remote item's HTTP attempt sits under its item span.
    [echo_http] = [s for s in otel.finished() if s.parent is not None and s.parent.span_id == echo.context.span_id]
    assert echo_http.name == "POST /api/v3.1/tool_router/session/{session_id}/execute"

    # Metrics: durations and counts per operation, tool and outcome.
    metrics = otel.metrics()
    counted = {(p.attributes.get("composio.operation"), p.attributes.get("gen_ai.tool.name"),
                p.attributes.get("composio.outcome")): p.value for p in metrics["composio_router.operations"]}
    assert counted[("multi_execute.item", "UTILS_ECHO", "success")] == 1
    assert counted[("multi_execute.item", "EXPLODE", "error")] == 1
    assert counted[("search", None, "success")] == 1
    durations = {p.attributes.get("composio.operation") for p in metrics["composio_router.operation.duration"]}
    assert {"session.create", "search", "multi_execute", "multi_execute.item"} <= durations
    statuses = {p.attributes.get("http.response.status_code") for p in metrics["http.client.request.duration"]}
    assert {503, 200, 201} <= statuses
    assert otel.instruments() == {
        "composio_router.operation.duration": ("s", "Histogram"),
        "composio_router.operations": ("{operation}", "Sum"),
        "http.client.request.duration": ("s", "Histogram"),
    }
    assert all(p.attributes.get("composio.session_id") is None  # ids stay out of the metrics
               for points in metrics.values() for p in points)

    # Never an argument, a result or the key.
    exported = otel.dump()
    assert SECRET_ARGUMENT not in exported and api_key not in exported


async def test_a_tool_that_ran_and_failed_is_an_outcome_not_an_error(
    emulator: Emulator, api_key: str, otel: Otel
) -> None:
    async with _client(emulator.url, api_key, otel) as client:
        session = await client.create(user_id="user-1")
        result = await session.execute("GITHUB_LIST_ISSUES", {"owner": SECRET_ARGUMENT})  # no account, no repo
    assert not result.successful
    [span] = otel.named("execute_tool GITHUB_LIST_ISSUES")
    assert span.attributes["composio.outcome"] == "failed" and "error.type" not in span.attributes
    assert span.attributes["composio.session_id"] == session.session_id
    assert SECRET_ARGUMENT not in otel.dump()


async def test_a_failed_call_records_the_typed_error(emulator: Emulator, api_key: str, otel: Otel) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=500, times=1)
    async with _client(emulator.url, api_key, otel) as client:
        session = await client.create(user_id="user-1")
        with pytest.raises(Exception, match="500"):
            await session.execute("UTILS_ECHO", {})
    [span] = otel.named("execute_tool UTILS_ECHO")
    assert span.attributes["error.type"] == "InternalServerError"
    assert span.attributes["composio.outcome"] == "error"
    [event] = [e for e in span.events if e.name == "exception"]
    assert event.attributes["exception.type"].endswith("InternalServerError")
    assert api_key not in otel.dump()


async def test_traceparent_reaches_the_api_and_can_be_switched_off(
    emulator: Emulator, api_key: str, otel: Otel
) -> None:
    async with _client(emulator.url, api_key, otel) as client:
        await client.create(user_id="user-1")
    [create_http] = [s for s in otel.finished() if s.kind == trace.SpanKind.CLIENT]
    sent = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session")[-1].headers
    trace_id, span_id = f"{create_http.context.trace_id:032x}", f"{create_http.context.span_id:016x}"
    version, sent_trace, sent_parent, flags = sent["traceparent"].split("-")
    assert (version, sent_trace, sent_parent) == ("00", trace_id, span_id)  # the attempt's span is the parent
    assert int(flags, 16) & 1  # sampled

    emulator.journal.clear()
    async with _client(emulator.url, api_key, otel, trace_propagation=False) as client:
        await client.create(user_id="user-1")
    assert "traceparent" not in emulator.journal[-1].headers


def test_the_sync_facade_nests_under_the_callers_span(emulator_thread: Emulator, api_key: str, otel: Otel) -> None:
    tracer = otel.tracer_provider.get_tracer("the-application")
    with Composio(
        api_key=api_key, base_url=emulator_thread.url, tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
    ) as client, tracer.start_as_current_span("handle-request") as parent:
        session = client.create(user_id="user-1")
        session.execute("UTILS_ECHO", {"text": SECRET_ARGUMENT})
    [create] = otel.named("composio_router.session.create")
    [execute] = otel.named("execute_tool UTILS_ECHO")
    for span in (create, execute):  # run on the facade's loop thread, yet children of the caller's span
        assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
        assert span.context.trace_id == parent.get_span_context().trace_id
    assert SECRET_ARGUMENT not in otel.dump() and api_key not in otel.dump()


async def test_wait_for_connection_and_file_transfers_are_spans(
    emulator: Emulator, api_key: str, otel: Otel
) -> None:
    async with _client(emulator.url, api_key, otel) as client:
        session = await client.create(user_id="user-1")
        request = await session.authorize("github")
        emulator.complete_link(request.link_token)
        await request.wait_for_connection(timeout=5)
        await session.experimental.files.upload(SECRET_ARGUMENT.encode(), remote_path="notes.txt")
        handle = await session.experimental.files.download("notes.txt")
        assert await handle.read() == SECRET_ARGUMENT.encode()
    names = {s.name for s in otel.finished()}
    assert {"composio_router.wait_for_connection", "composio_router.files.upload",
            "composio_router.files.download", "composio_router.files.read"} <= names
    [wait] = otel.named("composio_router.wait_for_connection")
    assert wait.attributes["composio.toolkit"] == "github" and wait.attributes["composio.outcome"] == "success"
    for name in ("wait_for_connection", "files.upload", "files.download", "files.read"):
        [span] = otel.named(f"composio_router.{name}")
        assert span.kind == trace.SpanKind.INTERNAL
        assert span.attributes["composio.operation"] == name and span.attributes["composio.outcome"] == "success"
    storage = [s for s in otel.finished() if s.name.endswith("{presigned_storage_url}")]
    assert {s.attributes["http.request.method"] for s in storage} == {"PUT", "GET"}
    assert SECRET_ARGUMENT not in otel.dump() and api_key not in otel.dump()


def test_the_same_span_tree_through_the_sync_facade(
    emulator_thread: Emulator, api_key: str, otel: Otel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from composio_router import _transport

    monkeypatch.setattr(_transport, "backoff_delay", lambda attempt: 0.01)
    emulator_thread.faults.add(SEARCH, method="POST", status=503, times=1)
    with Composio(
        api_key=api_key, base_url=emulator_thread.url, max_retries=2, tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
    ) as client:
        session = client.create(user_id="user-1", custom_tools=[explode])
        session.search("create an issue")
        batch = session.multi_execute([("UTILS_ECHO", {"text": SECRET_ARGUMENT}), ("EXPLODE", {"text": SECRET_ARGUMENT})])
    assert [item.successful for item in batch.results] == [True, False]
    [search] = otel.named("composio_router.search")
    attempts = [s for s in otel.finished() if s.parent is not None and s.parent.span_id == search.context.span_id]
    assert [a.attributes.get("http.request.resend_count") for a in attempts] == [None, 1]
    [multi] = otel.named("composio_router.multi_execute")
    items = {s.name: s for s in otel.finished() if s.parent is not None and s.parent.span_id == multi.context.span_id}
    assert set(items) == {"execute_tool UTILS_ECHO", "execute_tool EXPLODE"}
    assert items["execute_tool EXPLODE"].attributes["error.type"] == "CustomToolError"
    assert items["execute_tool EXPLODE"].attributes["composio.toolkit"] == "custom"
    assert items["execute_tool EXPLODE"].attributes["gen_ai.tool.type"] == "function"
    assert items["execute_tool UTILS_ECHO"].attributes["gen_ai.tool.type"] == "extension"
    assert items["execute_tool UTILS_ECHO"].attributes["composio.toolkit"] == "utils"
    exported = otel.dump()
    assert SECRET_ARGUMENT not in exported and api_key not in exported


@tool
def shout(text: str) -> dict[str, Any]:
    """A custom tool that works."""
    return {"loud": text.upper()}


def _only(spans: list[ReadableSpan], **attributes: Any) -> ReadableSpan:
    """The one span among ``spans`` whose attributes include ``attributes``."""
    [span] = [s for s in spans if all((s.attributes or {}).get(k) == v for k, v in attributes.items())]
    return span


def _children(otel: Otel, parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in otel.finished() if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_every_session_operation_is_a_span_with_its_attributes(
    emulator: Emulator, api_key: str, otel: Otel
) -> None:
    emulator.connect_account("user-1", "github")
    model_calls = {"role": "assistant", "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": json.dumps({"text": SECRET_ARGUMENT})}},
        {"id": "2", "type": "function", "function": {"name": "LOCAL_SHOUT", "arguments": json.dumps({"text": SECRET_ARGUMENT})}},
    ]}
    async with _client(emulator.url, api_key, otel) as client:
        created = await client.create(user_id="user-1")
        session = await client.use(created.session_id, custom_tools=[shout])
        await session.tools()
        assert (await session.execute("UTILS_ECHO", {"text": SECRET_ARGUMENT})).successful
        assert (await session.execute("SHOUT", {"text": SECRET_ARGUMENT})).successful
        meta = await session.execute_meta("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "create a github issue"}]})
        assert meta.successful, meta.error
        proxied = await session.proxy_execute("github", "/repos/acme/api", "get")
        assert proxied.successful
        answers = await session.handle_tool_calls(model_calls)
        assert [json.loads(a["content"])["successful"] for a in answers] == [True, True]
        await session.update(search=False)
        await session.delete()
    sid = created.session_id

    # Every public operation: an INTERNAL span named after it, its outcome, the session's id.
    operations = ("session.create", "session.use", "tools", "proxy_execute", "handle_tool_calls",
                  "multi_execute", "session.update", "session.delete")
    for name in operations:
        for span in otel.named(f"composio_router.{name}"):
            assert span.kind == trace.SpanKind.INTERNAL, name
            assert span.attributes["composio.operation"] == name, name
            assert span.attributes["composio.outcome"] == "success", name
            assert span.attributes["composio.session_id"] == sid, name
            assert span.status.status_code == trace.StatusCode.UNSET, name
    [create] = otel.named("composio_router.session.create")
    [use] = otel.named("composio_router.session.use")
    assert [c.name for c in _children(otel, create)] == ["POST /api/v3.1/tool_router/session"]
    assert [c.name for c in _children(otel, use)] == ["POST /api/v3.1/tool_router/session/{session_id}/attach"]
    assert otel.named("composio_router.tools")  # tools() reads the session's tools through get_meta_tools
    [proxy] = otel.named("composio_router.proxy_execute")
    assert proxy.attributes["composio.toolkit"] == "github"
    [update] = otel.named("composio_router.session.update")
    assert [c.name for c in _children(otel, update)] == ["PATCH /api/v3.1/tool_router/session/{session_id}"]
    [delete] = otel.named("composio_router.session.delete")
    assert [c.name for c in _children(otel, delete)] == ["DELETE /api/v3.1/tool_router/session/{session_id}"]

    # Tool calls: execute (remote and local) and execute_meta.
    echo = _only(otel.named("execute_tool UTILS_ECHO"), **{"composio.operation": "execute"})
    assert echo.attributes["gen_ai.operation.name"] == "execute_tool" and echo.attributes["gen_ai.tool.name"] == "UTILS_ECHO"
    assert echo.attributes["gen_ai.tool.type"] == "extension" and echo.attributes["composio.local"] is False
    assert echo.attributes["composio.toolkit"] == "utils" and echo.attributes["composio.session_id"] == sid
    assert echo.attributes["composio.result_type"] and echo.attributes["composio.log_id"]
    assert echo.attributes["composio.outcome"] == "success"
    local = _only(otel.named("execute_tool SHOUT"), **{"composio.operation": "execute"})
    assert local.attributes["gen_ai.tool.type"] == "function" and local.attributes["composio.local"] is True
    assert local.attributes["composio.toolkit"] == "custom" and local.attributes["composio.session_id"] == sid
    assert not _children(otel, local)  # ran here: no HTTP
    meta_span = _only(otel.named("execute_tool COMPOSIO_SEARCH_TOOLS"), **{"composio.operation": "execute_meta"})
    assert meta_span.attributes["gen_ai.tool.type"] == "extension" and meta_span.attributes["composio.session_id"] == sid
    assert meta_span.attributes["composio.outcome"] == "success"
    assert [c.name for c in _children(otel, meta_span)] == ["POST /api/v3.1/tool_router/session/{session_id}/execute_meta"]

    # handle_tool_calls: its batch under it, one item span per call, the local one typed so.
    [handle] = otel.named("composio_router.handle_tool_calls")
    [batch] = [c for c in _children(otel, handle) if c.name == "composio_router.multi_execute"]
    assert batch.attributes["composio.batch_size"] == 2 and batch.attributes["composio.batch_errors"] == 0
    items = {c.attributes["gen_ai.tool.name"]: c for c in _children(otel, batch)}
    assert set(items) == {"UTILS_ECHO", "LOCAL_SHOUT"}
    assert items["LOCAL_SHOUT"].attributes["gen_ai.tool.type"] == "function"
    assert items["UTILS_ECHO"].attributes["gen_ai.tool.type"] == "extension"
    assert all(i.attributes["composio.session_id"] == sid for i in items.values())

    exported = otel.dump()
    assert SECRET_ARGUMENT not in exported and api_key not in exported


@tool
def leaky(card: str) -> dict[str, Any]:
    """A tool whose own error quotes its argument (and worse)."""
    raise ValueError(f"declined card {card}")


async def test_exception_events_carry_the_type_only(emulator: Emulator, api_key: str, otel: Otel) -> None:
    # The tool's exception is the CustomToolError's __cause__: a stack trace with the chain
    # would quote the argument. The event says which error it was, nothing more.
    async with _client(emulator.url, api_key, otel) as client:
        session = await client.create(user_id="user-1", custom_tools=[leaky])
        batch = await session.multi_execute([("LEAKY", {"card": SECRET_ARGUMENT + api_key})])
    assert not batch.results[0].successful
    [span] = otel.named("execute_tool LEAKY")
    [event] = [e for e in span.events if e.name == "exception"]
    assert dict(event.attributes) == {"exception.type": "composio_router.errors.CustomToolError"}
    exported = otel.dump()
    assert SECRET_ARGUMENT not in exported and api_key not in exported


async def test_leaving_a_stream_early_is_cancelled_not_an_error(emulator: Emulator, api_key: str, otel: Otel) -> None:
    emulator.latency = 0.5
    async with _client(emulator.url, api_key, otel) as client:
        session = await client.create(user_id="user-1")
        emulator.latency = 0.0
        emulator.faults.add(EXECUTE, method="POST", delay=5, times=1)
        async for _item in session.iter_multi_execute([("UTILS_ECHO", {}), ("UTILS_ECHO", {})]):
            break
        await session.execute("UTILS_ECHO", {})
    import anyio

    with anyio.fail_after(5):
        while len([s for s in otel.named("execute_tool UTILS_ECHO") if s.attributes.get("composio.batch.index") is not None]) < 2:
            await anyio.sleep(0.02)
    items = [s for s in otel.named("execute_tool UTILS_ECHO") if s.attributes.get("composio.batch.index") is not None]
    outcomes = sorted(s.attributes["composio.outcome"] for s in items)
    assert outcomes == ["cancelled", "success"]
    assert all("error.type" not in s.attributes for s in items)
    [stream] = otel.named("composio_router.multi_execute")  # the stream's items have a parent
    assert all(s.parent is not None and s.parent.span_id == stream.context.span_id for s in items)
    assert stream.attributes["composio.streamed"] is True and stream.attributes["composio.batch_size"] == 2
    assert stream.attributes["composio.session_id"] == session.session_id
    assert all(s.attributes["composio.session_id"] == session.session_id for s in items)


async def test_deleting_by_id_names_the_session(emulator: Emulator, api_key: str, otel: Otel) -> None:
    async with _client(emulator.url, api_key, otel) as client:
        created = await client.create(user_id="user-1")
        await client.delete(created.session_id)
    [delete] = otel.named("composio_router.session.delete")
    assert delete.attributes["composio.session_id"] == created.session_id
    assert [c.name for c in _children(otel, delete)] == ["DELETE /api/v3.1/tool_router/session/{session_id}"]


def test_the_api_globals_read_on_every_call_still_exist() -> None:
    # telemetry._Api.globals_configured reads the API's module globals instead of calling
    # the getters (which look up os.environ each time). A release that renames them would
    # quietly fall back to the getters: this test says so first.
    import opentelemetry.metrics._internal as metrics_state
    import opentelemetry.trace as trace_api

    assert hasattr(trace_api, "_TRACER_PROVIDER")
    assert hasattr(metrics_state, "_METER_PROVIDER")
