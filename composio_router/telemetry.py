"""OpenTelemetry traces and metrics, for applications that use OpenTelemetry.

Install ``composio-router[otel]`` (it adds ``opentelemetry-api`` only). The SDK then
reports, through the global tracer and meter providers or the ones a client is given:

* one span per public operation (``composio_router.session.create``, ``search``, ...);
  a tool call is an ``execute_tool {tool}`` span (the GenAI conventions), one per item of
  a batch, marked ``composio.local`` for custom tools;
* one ``CLIENT`` span per HTTP attempt, named ``{method} {url.template}`` (ids never in
  the name), with the HTTP client conventions and ``http.request.resend_count`` on
  retries; the W3C ``traceparent`` header goes out with it unless switched off;
* ``composio_router.operation.duration`` (s) and ``composio_router.operations``, per
  operation and tool, with the outcome; ``http.client.request.duration`` (s).

Spans carry slugs, ids, result types and request ids: never arguments, results,
headers, file contents or the key. Without OpenTelemetry installed, nothing is imported
(not even at the first call: one failed import is remembered) and every hook is a shared
no-op object, so instrumented code costs a method call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, MutableMapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

__all__ = ["INSTRUMENTATION_NAME", "Telemetry"]

INSTRUMENTATION_NAME = "composio_router"

AttributeValue = str | bool | int | float

_api: list[Any] = []  # [available: bool, trace, metrics, propagate, Status, StatusCode, SpanKind]
_api_lock = threading.Lock()


def _opentelemetry() -> list[Any]:
    """The OpenTelemetry API modules, imported once, on first use; ``[False]`` without them."""
    if not _api:
        with _api_lock:
            if not _api:
                try:
                    from opentelemetry import metrics, propagate, trace
                    from opentelemetry.trace import SpanKind, Status, StatusCode
                except ImportError:
                    _api.append(False)
                else:
                    _api.extend([True, trace, metrics, propagate, Status, StatusCode, SpanKind])
    return _api


class _Noop:
    """What every hook returns when there is no OpenTelemetry: nothing happens."""

    __slots__ = ()

    def __enter__(self) -> _Noop:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def set(self, name: str, value: AttributeValue | None) -> None:
        pass

    def outcome(self, outcome: str) -> None:
        pass


_NOOP = _Noop()


class _Recorded:
    """One operation or HTTP attempt being recorded: its span, and its metrics at the end."""

    __slots__ = ("_attributes", "_kind", "_metric_attributes", "_outcome", "_scope", "_span", "_started", "_telemetry")

    def __init__(self, telemetry: Telemetry, kind: str, span_cm: Any, metric_attributes: dict[str, AttributeValue]) -> None:
        self._telemetry = telemetry
        self._kind = kind  # "operation" or "http"
        self._scope = span_cm
        self._span: Span | None = None
        self._metric_attributes = metric_attributes
        self._outcome: str | None = None
        self._started = 0.0
        self._attributes: dict[str, AttributeValue] = {}

    def __enter__(self) -> _Recorded:
        self._started = time.perf_counter()
        self._span = self._scope.__enter__()
        return self

    def set(self, name: str, value: AttributeValue | None) -> None:
        """An attribute of the span (and of its metrics, for the ones metrics carry)."""
        if value is None:
            return
        if self._span is not None:
            self._span.set_attribute(name, value)
        if name in _METRIC_ATTRIBUTES:
            self._metric_attributes[name] = value

    def outcome(self, outcome: str) -> None:
        """``success`` or ``failed`` (the call worked, but the tool reported failure)."""
        self._outcome = outcome

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        api = _opentelemetry()
        elapsed = time.perf_counter() - self._started
        if exc is not None:
            error = type(exc).__name__
            self._metric_attributes["error.type"] = error
            if self._span is not None:
                self._span.set_attribute("error.type", error)
                self._span.record_exception(exc)
                self._span.set_status(api[4](api[5].ERROR, error))
            outcome = "error"
        else:
            outcome = self._outcome or "success"
            if outcome != "success" and self._span is not None:
                self._span.set_status(api[4](api[5].ERROR, outcome))
        if self._kind == "operation":
            self._metric_attributes["composio.outcome"] = outcome
            if self._span is not None:
                self._span.set_attribute("composio.outcome", outcome)
        self._scope.__exit__(exc_type, exc, tb)
        self._telemetry.record(self._kind, elapsed, self._metric_attributes)


# Span attributes that metrics carry too: low-cardinality ones only (no ids).
_METRIC_ATTRIBUTES = frozenset(
    {
        "composio.operation", "gen_ai.tool.name", "composio.toolkit", "composio.local",
        "http.request.method", "server.address", "server.port", "http.response.status_code",
        "url.template", "error.type",
    }
)


class Telemetry:
    """A client's OpenTelemetry: providers chosen once, instruments made on first use."""

    __slots__ = ("_http_duration", "_lock", "_meter_provider", "_op_count", "_op_duration", "_propagate",
                 "_ready", "_tracer", "_tracer_provider")

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
        self._ready = False
        self._lock = threading.Lock()
        self._tracer: Any = None
        self._op_duration: Any = None
        self._op_count: Any = None
        self._http_duration: Any = None

    def _load(self) -> bool:
        api = _opentelemetry()
        if not api[0]:
            return False
        if not self._ready:
            with self._lock:
                if not self._ready:
                    from ._version import __version__

                    trace, metrics = api[1], api[2]
                    # The global providers are looked up through the API's proxies, so an
                    # application that configures OpenTelemetry after creating the client
                    # still gets its spans.
                    self._tracer = trace.get_tracer(INSTRUMENTATION_NAME, __version__, self._tracer_provider)
                    meter = metrics.get_meter(INSTRUMENTATION_NAME, __version__, self._meter_provider)
                    self._op_duration = meter.create_histogram(
                        "composio_router.operation.duration", unit="s",
                        description="Duration of composio-router operations and tool calls.",
                    )
                    self._op_count = meter.create_counter(
                        "composio_router.operations", unit="{operation}",
                        description="composio-router operations and tool calls, by outcome.",
                    )
                    self._http_duration = meter.create_histogram(
                        "http.client.request.duration", unit="s", description="Duration of HTTP client requests.",
                    )
                    self._ready = True
        return True

    def operation(self, name: str, **attributes: AttributeValue | None) -> _Recorded | _Noop:
        """A span for one public operation (``name`` such as ``session.create``), as a context manager."""
        if not self._load():
            return _NOOP
        attrs = {"composio.operation": name, **{k: v for k, v in attributes.items() if v is not None}}
        scope = self._tracer.start_as_current_span(
            f"composio_router.{name}", attributes=attrs, record_exception=False, set_status_on_exception=False
        )
        return _Recorded(self, "operation", scope, {k: v for k, v in attrs.items() if k in _METRIC_ATTRIBUTES})

    def tool(self, tool_name: str, *, local: bool, toolkit: str | None = None, call_id: str | None = None,
             session_id: str | None = None) -> _Recorded | _Noop:
        """An ``execute_tool`` span (GenAI conventions) for one tool call."""
        if not self._load():
            return _NOOP
        attrs: dict[str, AttributeValue] = {
            "composio.operation": "execute_tool", "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool_name, "gen_ai.tool.type": "function" if local else "extension",
            "composio.local": local,
        }
        for key, value in (("composio.toolkit", toolkit), ("gen_ai.tool.call.id", call_id),
                           ("composio.session_id", session_id)):
            if value is not None:
                attrs[key] = value
        scope = self._tracer.start_as_current_span(
            f"execute_tool {tool_name}", attributes=attrs, record_exception=False, set_status_on_exception=False
        )
        return _Recorded(self, "operation", scope, {k: v for k, v in attrs.items() if k in _METRIC_ATTRIBUTES})

    def http(self, method: str, template: str, host: str, port: int | None, *, resend: int) -> _Recorded | _Noop:
        """A ``CLIENT`` span for one HTTP attempt (HTTP client conventions)."""
        if not self._load():
            return _NOOP
        attrs: dict[str, AttributeValue] = {"http.request.method": method, "server.address": host, "url.template": template}
        if port is not None:
            attrs["server.port"] = port
        if resend:
            attrs["http.request.resend_count"] = resend
        scope = self._tracer.start_as_current_span(
            f"{method} {template}", kind=_opentelemetry()[6].CLIENT, attributes=attrs,
            record_exception=False, set_status_on_exception=False,
        )
        return _Recorded(self, "http", scope, {k: v for k, v in attrs.items() if k in _METRIC_ATTRIBUTES})

    def inject(self, headers: MutableMapping[str, str]) -> None:
        """Add ``traceparent`` (and the propagator's other headers) for the current span."""
        if self._propagate and self._load():
            _opentelemetry()[3].inject(headers)

    def record(self, kind: str, seconds: float, attributes: Mapping[str, AttributeValue]) -> None:
        if kind == "http":
            self._http_duration.record(seconds, attributes)
        else:
            self._op_duration.record(seconds, attributes)
            self._op_count.add(1, attributes)
