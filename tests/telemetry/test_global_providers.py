"""A client given no providers reports through OpenTelemetry's global ones.

In a fresh interpreter, since ``set_tracer_provider`` and ``set_meter_provider`` work once
per process (and other tests must not see these spans): a client made, and used once,
before the application configures OpenTelemetry records nothing for that call, then
reports every later call through the global providers, without being recreated. The
metric instruments are checked by name, unit and kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from composio_router.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from composio_router import Composio

spans = InMemorySpanExporter()
reader = InMemoryMetricReader()
with Composio(api_key={api_key!r}, base_url={url!r}) as client:  # no providers given
    client.create(user_id="user-1")  # OpenTelemetry not configured yet: nothing recorded
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    session = client.create(user_id="user-1")
    session.execute("UTILS_ECHO", {{"text": "hi"}})
    session.multi_execute([("UTILS_ECHO", {{}}), ("UTILS_ECHO", {{}})])

data = reader.get_metrics_data()
instruments = {{
    m.name: [m.unit, type(m.data).__name__, m.description, scope.scope.name]
    for rm in data.resource_metrics for scope in rm.scope_metrics for m in scope.metrics
}}
print(json.dumps({{
    "session_id": session.session_id,
    "spans": [
        {{"name": s.name, "scope": s.instrumentation_scope.name, "kind": s.kind.name,
          "attributes": dict(s.attributes or {{}})}}
        for s in spans.get_finished_spans()
    ],
    "instruments": instruments,
}}))
"""


def test_spans_and_metrics_go_to_the_global_providers(emulator_thread: Emulator, api_key: str) -> None:
    code = textwrap.dedent(_SCRIPT.format(api_key=api_key, url=emulator_thread.url))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    spans = out["spans"]
    assert {s["scope"] for s in spans} == {"composio_router"}

    # Only the calls made after set_tracer_provider: one create, not two.
    creates = [s for s in spans if s["name"] == "composio_router.session.create"]
    assert [c["attributes"]["composio.session_id"] for c in creates] == [out["session_id"]]
    executes = [s for s in spans if s["name"] == "execute_tool UTILS_ECHO"]
    assert sorted(s["attributes"]["composio.operation"] for s in executes) == [
        "execute", "multi_execute.item", "multi_execute.item"
    ]
    assert all(s["attributes"]["composio.session_id"] == out["session_id"] for s in executes)
    assert any(s["kind"] == "CLIENT" and s["name"] == "POST /api/v3.1/tool_router/session" for s in spans)
    # The traceparent went out through the global propagator with the HTTP span.
    assert "traceparent" in emulator_thread.journal[-1].headers

    instruments = out["instruments"]
    assert {name: (unit, kind) for name, (unit, kind, _, _) in instruments.items()} == {
        "composio_router.operation.duration": ("s", "Histogram"),
        "composio_router.operations": ("{operation}", "Sum"),
        "http.client.request.duration": ("s", "Histogram"),
    }
    assert all(description and scope == "composio_router" for _, _, description, scope in instruments.values())
