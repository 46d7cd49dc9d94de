"""One measurement in a fresh process: ``python -m benchmarks.worker '<json spec>'``.

The orchestrator runs every client in its own worker so that CPU time
(``time.process_time()``, all threads of this process) and memory belong to that
client alone; the backend runs in yet another process. The spec is
``{"scenario": ..., "kind": ..., "url": ..., "params": {...}}``; the answer is one
line ``BENCH-RESULT {json}`` on stdout.

Scenarios: ``calls`` (sequential latency and CPU of create/search/execute, then
closed-loop throughput at each concurrency), ``batch`` (20-tool batches),
``burst`` (1,000 concurrent executes), ``profile`` (cProfile of the execute loop)
and ``sync_facade_module`` (``benchmarks.sync_facade.run``, when that module exists).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import netguard

RESULT_PREFIX = "BENCH-RESULT "
ASYNC_KINDS = ("async", "raw")
SYNC_KINDS = ("sync", "official")


def rss_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil

        return float(psutil.Process().memory_info().rss) / 2**20
    except ImportError:
        return None


def peak_rss_mb() -> float | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    except ImportError:
        return None


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summarise_seq(rounds: list[tuple[float, float, int]], samples: list[float]) -> dict[str, float]:
    """rounds: (wall, cpu, n) per round; samples: every call's own latency (s)."""
    return {
        "latency_ms": _median([w / n * 1e3 for w, _, n in rounds]),
        "cpu_ms": _median([c / n * 1e3 for _, c, n in rounds]),
        "p50_ms": _pct(samples, 0.50) * 1e3,
        "p99_ms": _pct(samples, 0.99) * 1e3,
        "rounds": len(rounds),
        "calls_per_round": rounds[0][2] if rounds else 0,
    }


def _summarise_tp(rounds: list[tuple[float, float, int]], errors: int) -> dict[str, float]:
    return {
        "calls_per_s": _median([n / w for w, _, n in rounds]),
        "cpu_ms_per_call": _median([c / n * 1e3 for _, c, n in rounds]),
        "rounds": len(rounds),
        "calls_per_round": rounds[0][2] if rounds else 0,
        "errors": errors,
    }


# -- generic drivers ------------------------------------------------------------------------------


async def _a_seq(op: Callable[[int], Awaitable[Any]], n: int, samples: list[float]) -> tuple[float, float, int]:
    clock = time.perf_counter
    w0, c0 = clock(), time.process_time()
    for i in range(n):
        t = clock()
        await op(i)
        samples.append(clock() - t)
    return clock() - w0, time.process_time() - c0, n


async def _a_loop(op: Callable[[int], Awaitable[Any]], total: int, concurrency: int) -> tuple[float, float, int, int]:
    counter = itertools.count()
    errors = [0]

    async def worker() -> None:
        while next(counter) < total:
            try:
                await op(0)
            except Exception:
                errors[0] += 1

    w0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - w0, time.process_time() - c0, total, errors[0]


def _s_seq(op: Callable[[int], Any], n: int, samples: list[float]) -> tuple[float, float, int]:
    clock = time.perf_counter
    w0, c0 = clock(), time.process_time()
    for i in range(n):
        t = clock()
        op(i)
        samples.append(clock() - t)
    return clock() - w0, time.process_time() - c0, n


def _s_loop(op: Callable[[int], Any], total: int, threads: int, pool: ThreadPoolExecutor) -> tuple[float, float, int, int]:
    counter = itertools.count()
    lock = threading.Lock()
    errors = [0]

    def worker() -> None:
        while True:
            with lock:
                i = next(counter)
            if i >= total:
                return
            try:
                op(0)
            except Exception:
                with lock:
                    errors[0] += 1

    w0, c0 = time.perf_counter(), time.process_time()
    futures = [pool.submit(worker) for _ in range(threads)]
    for f in futures:
        f.result()
    return time.perf_counter() - w0, time.process_time() - c0, total, errors[0]


# -- scenario: calls --------------------------------------------------------------------------------


def scenario_calls(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    if kind in ASYNC_KINDS:
        return asyncio.run(_calls_async(kind, url, p))
    return _calls_sync(kind, url, p)


def _make_async(kind: str, url: str, p: dict[str, Any] | None = None) -> Any:
    from .clients import AsyncSDKClient, RawClient

    if kind == "raw":
        return RawClient(url, user_agent=(p or {}).get("user_agent", ""))
    return AsyncSDKClient(url)


def _make_sync(kind: str, url: str) -> Any:
    from .clients import OfficialClient, SyncSDKClient

    return OfficialClient(url) if kind == "official" else SyncSDKClient(url)


async def _calls_async(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    from .clients import ECHO, QUERY

    out: dict[str, Any] = {"rss_start_mb": rss_mb()}
    client = await _make_async(kind, url, p).open()
    try:
        session = await client.create("bench-user")
        slug, args = ECHO
        ops: dict[str, Callable[[int], Awaitable[Any]]] = {
            "create": lambda i: client.create(f"bench-user-{i % 50}"),
            "search": lambda i: session.search(QUERY),
            "execute": lambda i: session.execute(slug, args),
        }
        for name, op in ops.items():
            n = p["seq_calls"][name]
            await _a_seq(op, p["warmup"], [])
            rounds, samples = [], []
            for _ in range(p["rounds"]):
                gc.collect()
                rounds.append(await _a_seq(op, n, samples))
            out[name] = _summarise_seq(rounds, samples)
        throughput: dict[str, Any] = {}
        for conc in p["concurrency"]:
            await _a_loop(ops["execute"], max(conc * 2, p["warmup"]), conc)
            rounds, errors = [], 0
            for _ in range(p["rounds"]):
                gc.collect()
                w, c, n, e = await _a_loop(ops["execute"], p["tp_calls"], conc)
                rounds.append((w, c, n))
                errors += e
            throughput[str(conc)] = _summarise_tp(rounds, errors)
        out["throughput"] = throughput
    finally:
        await client.aclose()
    out["rss_end_mb"] = rss_mb()
    return out


def _calls_sync(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    from .clients import ECHO, QUERY

    out: dict[str, Any] = {"rss_start_mb": rss_mb()}
    client = _make_sync(kind, url)
    try:
        session = client.create("bench-user")
        slug, args = ECHO
        ops: dict[str, Callable[[int], Any]] = {
            "create": lambda i: client.create(f"bench-user-{i % 50}"),
            "search": lambda i: session.search(QUERY),
            "execute": lambda i: session.execute(slug, args),
        }
        for name, op in ops.items():
            n = p["seq_calls"][name]
            _s_seq(op, p["warmup"], [])
            rounds, samples = [], []
            for _ in range(p["rounds"]):
                gc.collect()
                rounds.append(_s_seq(op, n, samples))
            out[name] = _summarise_seq(rounds, samples)
        throughput: dict[str, Any] = {}
        for conc in p["concurrency"]:
            total = p["tp_calls_sync"] if kind == "official" else p["tp_calls"]
            with ThreadPoolExecutor(max_workers=conc) as pool:
                _s_loop(ops["execute"], max(conc * 2, p["warmup"]), conc, pool)
                rounds, errors = [], 0
                for _ in range(p["rounds"]):
                    gc.collect()
                    w, c, n, e = _s_loop(ops["execute"], total, conc, pool)
                    rounds.append((w, c, n))
                    errors += e
            throughput[str(conc)] = _summarise_tp(rounds, errors)
        out["throughput"] = throughput
        if kind == "official":
            from . import official

            out["telemetry_posts_to_loopback"] = official.telemetry_posts()
            out["official_version"] = getattr(client.module, "__version__", None)
    finally:
        client.close()
    out["rss_end_mb"] = rss_mb()
    return out


# -- scenario: batch (20 tools at the injected latency) ------------------------------------------------


def _batch_calls(ms: int, size: int) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    remote = ("UTILS_ECHO", {"message": "batch"})
    local = ("NAP", {"ms": ms})
    return {
        "remote": [remote] * size,
        "local": [local] * size,
        "mixed": [remote if i % 2 == 0 else local for i in range(size)],
    }


def scenario_batch(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    if kind == "async":
        return asyncio.run(_batch_async(url, p))
    if kind == "official":
        return _batch_official(url, p)
    raise ValueError(f"no batch scenario for {kind}")


async def _timed(coro_factory: Callable[[], Awaitable[Any]], rounds: int) -> tuple[float, list[Any]]:
    times, outs = [], []
    await coro_factory()  # warm-up
    for _ in range(rounds):
        t = time.perf_counter()
        outs.append(await coro_factory())
        times.append(time.perf_counter() - t)
    return _median(times) * 1e3, outs


async def _batch_async(url: str, p: dict[str, Any]) -> dict[str, Any]:
    from composio_router import AsyncComposio, tool

    @tool
    async def nap(ms: int) -> dict[str, Any]:
        """Sleep ``ms`` milliseconds in this process (a local tool with latency)."""
        await asyncio.sleep(ms / 1000)
        return {"slept_ms": ms}

    ms, size, rounds = p["tool_ms"], p["batch_size"], p["rounds"]
    calls = _batch_calls(ms, size)
    out: dict[str, Any] = {"tool_ms": ms, "batch_size": size}
    async with AsyncComposio(api_key="bench-key", base_url=url) as client:
        session = await client.create(user_id="bench-batch", custom_tools=[nap])
        out["single_remote_ms"], _ = await _timed(lambda: session.execute("UTILS_ECHO", {"message": "one"}), rounds)
        out["single_local_ms"], _ = await _timed(lambda: session.execute("NAP", {"ms": ms}), rounds)
        for name, items in calls.items():
            elapsed, results = await _timed(lambda items=items: session.multi_execute(items), rounds)
            out[f"batch_{name}_ms"] = elapsed
            out[f"batch_{name}_errors"] = sum(r.error_count for r in results)

            async def sequential(items: list[tuple[str, dict[str, Any]]] = items) -> int:
                failed = 0
                for slug, args in items:
                    failed += not (await session.execute(slug, args)).successful
                return failed

            elapsed, failures = await _timed(sequential, p["seq_rounds"])
            out[f"sequential_{name}_ms"] = elapsed
            out[f"sequential_{name}_errors"] = sum(failures)
    return out


def _batch_official(url: str, p: dict[str, Any]) -> dict[str, Any]:
    from .clients import OfficialClient

    client = OfficialClient(url)
    ms, size, rounds = p["tool_ms"], p["batch_size"], p["rounds"]
    out: dict[str, Any] = {"tool_ms": ms, "batch_size": size}
    from pydantic import BaseModel, Field

    class NapInput(BaseModel):
        ms: int = Field(description="milliseconds to sleep")

    def nap(input: NapInput, ctx: Any) -> dict[str, Any]:
        """Sleep ms milliseconds in this process (a local tool with latency)."""
        time.sleep(input.ms / 1000)
        return {"slept_ms": input.ms}

    nap.__annotations__ = {"input": NapInput, "ctx": Any, "return": dict}  # resolved, not strings
    nap_tool = client._client.experimental.tool(nap)
    session = client._client.create(user_id="bench-batch", experimental={"custom_tools": [nap_tool]})

    def timed(fn: Callable[[], Any]) -> tuple[float, list[Any]]:
        fn()
        times, outs = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            outs.append(fn())
            times.append(time.perf_counter() - t)
        return _median(times) * 1e3, outs

    out["single_remote_ms"], _ = timed(lambda: session.execute("UTILS_ECHO", arguments={"message": "one"}))
    out["single_local_ms"], _ = timed(lambda: session.execute("NAP", arguments={"ms": ms}))
    items = {k: [{"tool_slug": s, "arguments": a} for s, a in v] for k, v in _batch_calls(ms, size).items()}
    # Remote items only: one COMPOSIO_MULTI_EXECUTE_TOOL call, as the official SDK sends it.
    elapsed, results = timed(
        lambda: session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", arguments={"tools": items["remote"]})
    )
    out["batch_remote_ms"] = elapsed
    out["batch_remote_errors"] = sum(int((r.data or {}).get("error_count", 0)) for r in results)
    # Local and mixed: the SDK's own router for COMPOSIO_MULTI_EXECUTE_TOOL (what an agent
    # framework calls through session.tools()); private, so guarded.
    try:
        from composio.core.models.tools import Tools as ToolsModel

        tools_model = ToolsModel(client=session._client, provider=session._provider)
        route = session._create_routing_execute_fn(tools_model, None)
        for name in ("local", "mixed"):
            elapsed, results = timed(
                lambda name=name: route("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": items[name]})
            )
            out[f"batch_{name}_ms"] = elapsed
            out[f"batch_{name}_errors"] = sum(
                int(((r.get("data") or {}).get("error_count")) or 0) + (0 if r.get("successful", True) else 1)
                for r in results
            )
    except Exception as exc:
        out["batch_local_mixed_error"] = f"{type(exc).__name__}: {exc}"
    from . import official

    out["telemetry_posts_to_loopback"] = official.telemetry_posts()
    return out


# -- scenario: burst (1,000 concurrent executes through one client) ---------------------------------


def scenario_burst(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_burst(kind, url, p))


async def _burst(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    from .clients import ECHO, AsyncSDKClient, RawClient

    n = p["burst"]
    client: Any = (
        RawClient(url, user_agent=p.get("user_agent", "")) if kind == "raw" else AsyncSDKClient(url, max_connections=None)
    )
    await client.open()
    slug, args = ECHO
    try:
        session = await client.create("bench-burst")
        await asyncio.gather(*(session.execute(slug, args) for _ in range(20)))  # warm the pool
        gc.collect()
        rss_before = rss_mb()
        sampled = [rss_before or 0.0]
        stop = asyncio.Event()

        async def sampler() -> None:
            while not stop.is_set():
                sampled.append(rss_mb() or 0.0)
                await asyncio.sleep(0.005)

        sampler_task = asyncio.create_task(sampler())
        w0, c0 = time.perf_counter(), time.process_time()
        results = await asyncio.gather(*(session.execute(slug, args) for _ in range(n)), return_exceptions=True)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        stop.set()
        await sampler_task
        errors = [r for r in results if isinstance(r, BaseException)]
        return {
            "calls": n,
            "completed": n - len(errors),
            "errors": len(errors),
            "first_error": repr(errors[0])[:300] if errors else None,
            "wall_s": wall,
            "cpu_ms_per_call": cpu / n * 1e3,
            "rss_before_mb": rss_before,
            "peak_rss_mb": max(sampled),
            "peak_rss_delta_mb": max(sampled) - (rss_before or 0.0),
            "process_peak_rss_mb": peak_rss_mb(),
            "max_connections": p.get("max_connections_note", "client default"),
        }
    finally:
        await client.aclose()


# -- scenario: profile -------------------------------------------------------------------------------


_GROUPS = (
    ("composio_router", os.sep + "composio_router" + os.sep),
    ("aiohttp", os.sep + "aiohttp" + os.sep),
    ("anyio", os.sep + "anyio" + os.sep),
    ("cattrs", os.sep + "cattrs" + os.sep),
    ("attrs", os.sep + "attr" + os.sep),
    ("yarl", os.sep + "yarl" + os.sep),
    ("multidict", os.sep + "multidict" + os.sep),
    ("asyncio", os.sep + "asyncio" + os.sep),
    ("benchmarks", os.sep + "benchmarks" + os.sep),
)


def scenario_profile(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    """cProfile of ``calls`` sequential executes (concurrency 1) or at ``concurrency``."""
    import cProfile
    import pstats

    from .clients import ECHO

    async def main() -> None:
        client = await _make_async(kind, url, p).open()
        try:
            session = await client.create("bench-profile")
            slug, args = ECHO
            for _ in range(50):
                await session.execute(slug, args)
            profiler.enable()
            conc = p.get("concurrency", 1)
            if conc == 1:
                for _ in range(p["calls"]):
                    await session.execute(slug, args)
            else:
                await _a_loop(lambda i: session.execute(slug, args), p["calls"], conc)
            profiler.disable()
        finally:
            await client.aclose()

    profiler = cProfile.Profile()
    asyncio.run(main())
    stats = pstats.Stats(profiler)
    raw_stats: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw_stats.values()) or 1e-9
    groups: dict[str, float] = {}
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in raw_stats.items():
        group = next((g for g, needle in _GROUPS if needle in filename), "builtin/other")
        groups[group] = groups.get(group, 0.0) + tottime
        short = filename.split(os.sep + "site-packages" + os.sep)[-1].split(os.sep + "main" + os.sep)[-1]
        rows.append((tottime, cumtime, ncalls, f"{short}:{line}({func})"))
    rows.sort(reverse=True)
    calls = p["calls"]
    return {
        "calls": calls,
        "concurrency": p.get("concurrency", 1),
        "profiled_cpu_us_per_call": total / calls * 1e6,
        "by_package_us_per_call": {g: t / calls * 1e6 for g, t in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top_tottime": [
            {"us_per_call": t / calls * 1e6, "cum_us_per_call": c / calls * 1e6, "ncalls": n, "where": w}
            for t, c, n, w in rows[:25]
        ],
    }


# -- scenario: the sync facade engineer's module -------------------------------------------------


def scenario_sync_facade_module(kind: str, url: str, p: dict[str, Any]) -> dict[str, Any]:
    from . import sync_facade  # type: ignore[attr-defined]

    result = sync_facade.run(calls=p["calls"], url=url)
    return {str(k): v for k, v in dict(result).items()}


SCENARIOS: dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]] = {
    "calls": scenario_calls,
    "batch": scenario_batch,
    "burst": scenario_burst,
    "profile": scenario_profile,
    "sync_facade_module": scenario_sync_facade_module,
}


def main(argv: list[str] | None = None) -> int:
    netguard.install()  # before any client library is imported
    args = sys.argv[1:] if argv is None else argv
    spec = json.loads(args[0])
    url = spec["url"]
    host = url.split("//", 1)[-1].rsplit(":", 1)[0]
    if not netguard.is_loopback_host(host):
        raise SystemExit(f"refusing a non-loopback backend: {url}")
    os.environ["COMPOSIO_BASE_URL"] = url
    result = SCENARIOS[spec["scenario"]](spec["kind"], url, spec.get("params", {}))
    result["netguard_blocked"] = netguard.blocked()
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
