"""OpenTelemetry traces and metrics, for applications that use OpenTelemetry.

Install ``composio-router[otel]`` (it adds ``opentelemetry-api`` only). The SDK then
reports, through the global tracer and meter providers, or the ones a client is given
(``AsyncComposio(tracer_provider=..., meter_provider=...)``):

* one ``INTERNAL`` span per public operation, named ``composio_router.{operation}``
  (``session.create``, ``search``, ``multi_execute``, ``handle_tool_calls``,
  ``wait_for_connection``, ``files.upload``...). A tool call is an ``execute_tool {tool}``
  span (the GenAI conventions: ``gen_ai.operation.name``, ``gen_ai.tool.name``,
  ``gen_ai.tool.type``), one per item of a batch, with ``composio.session_id``,
  ``composio.toolkit``, and for a custom tool ``composio.local`` true and the tool type
  ``function`` (``extension`` for the server's tools);
* one ``CLIENT`` span per HTTP attempt, named ``{method} {url.template}`` (ids never in
  the name), with the HTTP client conventions (``http.request.method``, ``server.address``,
  ``server.port``, ``url.template``, ``http.response.status_code``, ``error.type``) and
  ``http.request.resend_count`` on a retry. The W3C ``traceparent`` header goes out with it
  (``AsyncComposio(trace_propagation=False)`` turns that off);
* metrics: ``composio_router.operation.duration`` (histogram, ``s``) and
  ``composio_router.operations`` (counter, ``{operation}``), by operation, tool and outcome
  (``success``, ``failed`` for a tool that ran and failed, ``error`` with ``error.type``);
  and ``http.client.request.duration`` (``s``).

Spans carry slugs, ids, result types, log ids and request ids: never arguments, results,
headers, file contents or the key. A failing operation records the typed error's class
(``error.type``) and an ``exception`` event with the exception's type only (its message
and stack trace may quote arguments).

Without OpenTelemetry installed nothing is imported, not even at the first call (one
failed import is remembered), and every hook is a shared no-op object: instrumented code
costs a method call.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, MutableMapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

__all__ = ["INSTRUMENTATION_NAME", "Telemetry"]

INSTRUMENTATION_NAME = "composio_router"

AttributeValue = str | bool | int | float

# Low-cardinality attributes only (no ids): the metrics' dimensions.
_METRIC_ATTRIBUTES = frozenset(
    {
        "composio.operation", "gen_ai.tool.name", "composio.toolkit", "composio.local", "composio.outcome",
        "http.request.method", "server.address", "server.port", "http.response.status_code",
        "url.template", "error.type",
    }
)


_MISSING = object()


class _Api:
    """The OpenTelemetry API, imported on first use; ``available`` is False without it."""

    available: bool | None = None
    trace: Any = None
    metrics: Any = None
    propagate: Any = None
    status: Any = None
    status_code: Any = None
    span_kind: Any = None
    metrics_state: Any = None  # the module that holds the global meter provider
    lock = threading.Lock()

    @classmethod
    def load(cls) -> bool:
        if cls.available is None:
            with cls.lock:
                if cls.available is None:
                    try:
                        from opentelemetry import metrics, propagate, trace
                        from opentelemetry.trace import SpanKind, Status, StatusCode
                    except ImportError:
                        cls.available = False
                    else:
                        cls.trace, cls.metrics, cls.propagate = trace, metrics, propagate
                        cls.metrics_state = sys.modules.get("opentelemetry.metrics._internal")
                        cls.status, cls.status_code, cls.span_kind = Status, StatusCode, SpanKind
                        cls.available = True
        return bool(cls.available)

    @classmethod
    def globals_configured(cls) -> bool:
        """Whether the application has set a global tracer or meter provider since we looked.

        The public getters look up ``os.environ`` on every call while nothing is configured:
        three times per execute, a fifth of the SDK's own CPU per call. The module globals
        they return say the same for the price of an attribute read. They are the API's
        private names: if a release renames them, the public getters answer instead
        (``tests/telemetry`` checks that the names still exist).
        """
        tracer = getattr(cls.trace, "_TRACER_PROVIDER", _MISSING)
        meter = getattr(cls.metrics_state, "_METER_PROVIDER", _MISSING)
        if tracer is _MISSING or meter is _MISSING:
            return not isinstance(cls.trace.get_tracer_provider(), cls.trace.ProxyTracerProvider) or (
                type(cls.metrics.get_meter_provider()).__name__ != "_ProxyMeterProvider"
            )
        return tracer is not None or meter is not None


class _Noop:
    """What every hook gives when there is no OpenTelemetry: nothing happens."""

    __slots__ = ()

    def __enter__(self) -> _Noop:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def set(self, name: str, value: AttributeValue | None) -> None:
        pass

    def result(self, result: object) -> None:
        pass

    def status(self, code: int, request_id: str | None) -> None:
        pass

    def error(self, error_type: str) -> None:
        pass

    def exception(self, exc: BaseException) -> None:
        pass


_NOOP = _Noop()
Recording = Any
"""A hook's handle: ``set``, ``result``, ``status``, ``error`` (a no-op without OpenTelemetry)."""


class _Recorded:
    """One operation, tool call or HTTP attempt being recorded: its span, then its metrics."""

    __slots__ = ("_kind", "_metrics", "_outcome", "_scope", "_span", "_started", "_telemetry")

    def __init__(self, telemetry: Telemetry, kind: str, scope: Any, metrics: dict[str, AttributeValue]) -> None:
        self._telemetry = telemetry
        self._kind = kind  # "operation" or "http"
        self._scope = scope
        self._span: Any = None
        self._metrics = metrics
        self._outcome = "success"
        self._started = 0.0

    def __enter__(self) -> _Recorded:
        self._started = time.perf_counter()
        self._span = self._scope.__enter__()
        return self

    def set(self, name: str, value: AttributeValue | None) -> None:
        """One attribute of the span (and of its metrics, if it is one of their dimensions)."""
        if value is None:
            return
        self._span.set_attribute(name, value)
        if name in _METRIC_ATTRIBUTES:
            self._metrics[name] = value
            if name == "composio.local" and "gen_ai.tool.name" in self._metrics:
                # A tool span learns late that its tool is local (a batch item, once resolved):
                # its GenAI tool type follows, as if ``Telemetry.tool`` had been told at once.
                self._span.set_attribute("gen_ai.tool.type", _tool_type(bool(value)))

    def result(self, result: object) -> None:
        """What a tool call returned: its result type, log id and whether it worked."""
        self.set("composio.result_type", getattr(result, "result_type", None))
        self.set("composio.log_id", getattr(result, "log_id", None))
        if getattr(result, "successful", True) is False:
            self._outcome = "failed"

    def status(self, code: int, request_id: str | None) -> None:
        """An HTTP attempt's answer."""
        self.set("http.response.status_code", code)
        self.set("composio.request_id", request_id)
        if code >= 400:
            self.error(str(code))  # the HTTP conventions' error.type for a failed status

    def error(self, error_type: str) -> None:
        """The operation failed (``error_type``: an exception class, or an HTTP status)."""
        self.set("error.type", error_type)
        self._span.set_status(_Api.status(_Api.status_code.ERROR, error_type))
        self._outcome = "error"

    def exception(self, exc: BaseException) -> None:
        """It failed with ``exc`` (raised, or caught by the caller: a batch slot keeps its error).

        Recorded as an ``exception`` event with its type only. Not with
        ``span.record_exception``: its message and stack trace (with the ``__cause__``
        chain) may quote a tool's arguments, a server's echo of them, or the key.
        """
        self.error(type(exc).__name__)
        self._span.add_event("exception", {"exception.type": f"{type(exc).__module__}.{type(exc).__qualname__}"})

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        elapsed = time.perf_counter() - self._started
        if exc is not None and _is_cancellation(exc):
            self._outcome = "cancelled"  # the caller left (a break, a deadline above): no error here
        elif exc is not None and "error.type" not in self._metrics:
            self.exception(exc)
        elif self._outcome == "failed":
            self._span.set_status(_Api.status(_Api.status_code.ERROR, "the tool reported a failure"))
        if self._kind == "operation":
            self.set("composio.outcome", self._outcome)
        self._scope.__exit__(exc_type, exc, tb)
        self._telemetry.record(self._kind, elapsed, self._metrics)


def _tool_type(local: bool) -> str:
    """``gen_ai.tool.type``: a custom tool runs here (``function``); the others on the server."""
    return "function" if local else "extension"


def _is_cancellation(exc: BaseException) -> bool:
    import asyncio

    return isinstance(exc, asyncio.CancelledError | GeneratorExit)


class Telemetry:
    """A client's OpenTelemetry: providers chosen once, instruments made on first use."""

    __slots__ = ("_count", "_duration", "_http_duration", "_lock", "_meter_provider", "_on", "_propagate",
                 "_tracer", "_tracer_provider", "_unset_meters", "_unset_tracers")

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        propagate: bool = True,
    ) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._propagate = propagate
        self._on: bool | None = None  # unknown until the first call
        self._lock = threading.Lock()
        self._tracer: Any = None
        self._duration: Any = None
        self._count: Any = None
        self._http_duration: Any = None
        # The API's placeholders for "no provider configured yet" (None: a provider was given).
        self._unset_tracers: Any = None
        self._unset_meters: Any = None

    @property
    def enabled(self) -> bool:
        """Whether spans or metrics would be recorded now.

        False without OpenTelemetry, and while the application has configured no provider
        (the global ones are still the API's placeholders): the hooks then skip even the
        API's no-op spans, which cost about 7 us per call. Checked on every call, so a
        provider configured later takes effect at once.
        """
        if not (self._on if self._on is not None else self._start()):
            return False
        if self._unset_tracers is None or self._unset_meters is None:
            return True  # a provider of the client's own, or a global one set before we started
        return _Api.globals_configured()

    def _start(self) -> bool:
        with self._lock:
            if self._on is None:
                if _Api.load():
                    from ._version import __version__

                    # Through the API's proxies, so an application that configures
                    # OpenTelemetry after creating the client still gets its spans.
                    if self._tracer_provider is None:
                        unset = _Api.trace.get_tracer_provider()
                        self._unset_tracers = unset if isinstance(unset, _Api.trace.ProxyTracerProvider) else None
                    if self._meter_provider is None:
                        unset = _Api.metrics.get_meter_provider()
                        self._unset_meters = unset if type(unset).__name__ == "_ProxyMeterProvider" else None
                    self._tracer = _Api.trace.get_tracer(INSTRUMENTATION_NAME, __version__, self._tracer_provider)
                    meter = _Api.metrics.get_meter(INSTRUMENTATION_NAME, __version__, self._meter_provider)
                    self._duration = meter.create_histogram(
                        "composio_router.operation.duration", unit="s",
                        description="Duration of composio-router operations and tool calls.",
                    )
                    self._count = meter.create_counter(
                        "composio_router.operations", unit="{operation}",
                        description="composio-router operations and tool calls, by outcome.",
                    )
                    self._http_duration = meter.create_histogram(
                        "http.client.request.duration", unit="s", description="Duration of HTTP client requests.",
                    )
                self._on = _Api.available is True
        return self._on

    def _span(self, name: str, kind: Any, attributes: dict[str, AttributeValue], recorded_as: str) -> _Recorded:
        scope = self._tracer.start_as_current_span(
            name, kind=kind, attributes=attributes, record_exception=False, set_status_on_exception=False
        )
        return _Recorded(self, recorded_as, scope, {k: v for k, v in attributes.items() if k in _METRIC_ATTRIBUTES})

    def operation(self, name: str, **attributes: AttributeValue | None) -> Recording:
        """A span for one public operation (``session.create``, ``search``...), as a context manager.

        ``attributes`` become ``composio.<name>`` attributes (``session_id=...`` is
        ``composio.session_id``); None values are left out.
        """
        if not self.enabled:
            return _NOOP
        attrs: dict[str, AttributeValue] = {"composio.operation": name}
        attrs.update((f"composio.{k}", v) for k, v in attributes.items() if v is not None)
        return self._span(f"composio_router.{name}", _Api.span_kind.INTERNAL, attrs, "operation")

    def tool(
        self,
        tool_name: str,
        *,
        operation: str = "execute",
        local: bool = False,
        session_id: str | None = None,
        index: int | None = None,
        toolkit: str | Callable[[], str | None] | None = None,
    ) -> Recording:
        """An ``execute_tool`` span (GenAI conventions) for one tool call.

        ``toolkit`` may be a function, called only when the span is recorded: finding a
        slug's toolkit is a lookup that a call without telemetry should not pay for.
        """
        if not self.enabled:
            return _NOOP
        if callable(toolkit):
            toolkit = toolkit()
        attrs: dict[str, AttributeValue] = {
            "composio.operation": operation,
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool_name,
            "gen_ai.tool.type": _tool_type(local),
            "composio.local": local,
        }
        if session_id is not None:
            attrs["composio.session_id"] = session_id
        if index is not None:
            attrs["composio.batch.index"] = index
        if toolkit is not None:
            attrs["composio.toolkit"] = toolkit
        return self._span(f"execute_tool {tool_name}", _Api.span_kind.INTERNAL, attrs, "operation")

    def http(self, method: str, template: str, host: str, port: int | None, resend: int) -> Recording:
        """A ``CLIENT`` span for one HTTP attempt (HTTP client conventions)."""
        if not self.enabled:
            return _NOOP
        attrs: dict[str, AttributeValue] = {
            "http.request.method": method, "server.address": host, "url.template": template,
        }
        if port is not None:
            attrs["server.port"] = port
        if resend:
            attrs["http.request.resend_count"] = resend
        return self._span(f"{method} {template}", _Api.span_kind.CLIENT, attrs, "http")

    def inject(self, headers: MutableMapping[str, str]) -> None:
        """Add ``traceparent`` (and the propagator's other headers) for the current span."""
        if self._propagate and self.enabled:
            _Api.propagate.inject(headers)

    def record(self, kind: str, seconds: float, attributes: dict[str, AttributeValue]) -> None:
        if kind == "http":
            self._http_duration.record(seconds, attributes)
        else:
            self._duration.record(seconds, attributes)
            self._count.add(1, attributes)
