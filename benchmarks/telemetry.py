"""What OpenTelemetry support costs per execute, in client CPU.

    python -m benchmarks.telemetry                 # 3 configurations x 5 alternating rounds
    python -m benchmarks.telemetry --calls 3000 --rounds 7

Each round runs, in a fresh process each, the same loop of sequential ``execute`` calls
against the emulator (its own process, 0 ms latency, loopback), and measures the client's
``time.process_time()`` per call:

* ``without``: OpenTelemetry cannot be imported (as without ``composio-router[otel]``);
* ``api_only``: ``opentelemetry-api`` installed, no SDK configured (the global no-op
  providers: what a library's user who never set up OpenTelemetry gets);
* ``sdk_memory``: the OpenTelemetry SDK with an in-memory span exporter and a metric reader.

The configurations alternate round by round, so load from elsewhere spreads over all of
them; medians are reported, and each as a ratio to ``without`` (target: ``api_only`` at
most 1.05x).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from . import netguard
from .backend import ROOT, backend, child_env

CONFIGS = ("without", "api_only", "sdk_memory")

_WORKER = """
import sys, time, json, asyncio
{setup}
from benchmarks import netguard
netguard.install()
from composio_router import AsyncComposio

async def main():
    async with AsyncComposio(api_key="bench-key", base_url={url!r}, **{options}) as client:
        session = await client.create(user_id="bench")
        for _ in range(200):  # warm: imports, pool, converter
            await session.execute("UTILS_ECHO", {{"message": "hello"}})
        started = time.process_time()
        for _ in range({calls}):
            await session.execute("UTILS_ECHO", {{"message": "hello"}})
        return (time.process_time() - started) / {calls}

print(json.dumps({{"cpu_per_call": asyncio.run(main())}}))
"""

_SETUP = {
    "without": "sys.modules['opentelemetry'] = None  # as if opentelemetry were not installed",
    "api_only": "",
    "sdk_memory": (
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter\n"
        "from opentelemetry.sdk.metrics import MeterProvider\n"
        "from opentelemetry.sdk.metrics.export import InMemoryMetricReader\n"
        "tracer_provider = TracerProvider()\n"
        "tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))\n"
        "meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])\n"
    ),
}
_OPTIONS = {
    "without": "{}",
    "api_only": "{}",
    "sdk_memory": "dict(tracer_provider=tracer_provider, meter_provider=meter_provider)",
}


def measure(url: str, config: str, calls: int) -> float:
    code = _WORKER.format(setup=_SETUP[config], url=url, options=_OPTIONS[config], calls=calls)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT, env=child_env()
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{config} failed: {proc.stderr[-2000:]}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["cpu_per_call"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.telemetry", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    netguard.install()  # this process too, as every benchmark process (benchmarks/README.md)
    samples: dict[str, list[float]] = {c: [] for c in CONFIGS}
    with backend(latency=0.0) as be:
        for _ in range(args.rounds):
            for config in CONFIGS:
                samples[config].append(measure(be.url, config, args.calls))
    base = statistics.median(samples["without"])
    print(f"execute, client CPU per call (median of {args.rounds} rounds of {args.calls} calls):")
    for config in CONFIGS:
        median = statistics.median(samples[config])
        print(f"  {config:<11} {median * 1e6:7.1f} us   {median / base:5.3f}x without")
    ratio = statistics.median(samples["api_only"]) / base
    print(f"target: api_only <= 1.05x without: {'PASS' if ratio <= 1.05 else 'MISS'} ({ratio:.3f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
