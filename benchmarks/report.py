"""The table and the target checks, from the results dictionary the runner builds."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["build_rows", "format_table"]

Row = dict[str, Any]


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _row(
    section: str,
    metric: str,
    unit: str,
    ours: Any,
    raw: Any = None,
    official: Any = None,
    *,
    target: str = "",
    check: Callable[[float | None, float | None], bool | None] | None = None,
    key: str | None = None,
) -> Row:
    ours_n, raw_n, off_n = _num(ours), _num(raw), _num(official)
    ratio_raw, ratio_off = _ratio(ours_n, raw_n), _ratio(ours_n, off_n)
    status = ""
    if check is not None:
        verdict = check(ratio_raw, ratio_off)
        status = "n/a" if verdict is None else ("PASS" if verdict else "MISS")
    return {
        "section": section,
        "metric": metric,
        "unit": unit,
        "composio_router": ours_n,
        "raw_aiohttp": raw_n,
        "official": off_n,
        "ratio_vs_raw": ratio_raw,
        "ratio_vs_official": ratio_off,
        "target": target,
        "status": status,
        "key": key,
    }


def _at_most(limit: float, which: str) -> Callable[[float | None, float | None], bool | None]:
    def check(r_raw: float | None, r_off: float | None) -> bool | None:
        r = r_raw if which == "raw" else r_off
        return None if r is None else r <= limit

    return check


def _at_least(limit: float, which: str) -> Callable[[float | None, float | None], bool | None]:
    def check(r_raw: float | None, r_off: float | None) -> bool | None:
        r = r_raw if which == "raw" else r_off
        return None if r is None else r >= limit

    return check


def _below(which: str) -> Callable[[float | None, float | None], bool | None]:
    def check(r_raw: float | None, r_off: float | None) -> bool | None:
        r = r_raw if which == "raw" else r_off
        return None if r is None else r < 1.0

    return check


def build_rows(res: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    imp = res.get("imports", {})
    rows.append(_row("1 import", "import time (fresh interpreter)", "ms",
                     _get(imp, "composio_router", "import_ms"), _get(imp, "raw", "import_ms"),
                     _get(imp, "official", "import_ms"), target="<= 1.2x raw", check=_at_most(1.2, "raw"),
                     key="import_time"))
    rows.append(_row("1 import", "RSS after import", "MB",
                     _get(imp, "composio_router", "rss_mb"), _get(imp, "raw", "rss_mb"),
                     _get(imp, "official", "rss_mb"), target="<= 1.3x raw", check=_at_most(1.3, "raw"),
                     key="import_rss"))
    base = _get(imp, "baseline", "rss_mb")
    if base is not None:
        def delta(s: str) -> float | None:
            v = _num(_get(imp, s, "rss_mb"))
            return None if v is None else v - base

        rows.append(_row("1 import", "RSS added by the import (vs bare python)", "MB",
                         delta("composio_router"), delta("raw"), delta("official")))
    otel_loaded = _get(imp, "composio_router", "opentelemetry_imported")
    if isinstance(otel_loaded, list):
        # The otel extra installed, `import composio_router` still imports none of it.
        installed = _get(imp, "composio_router", "opentelemetry_installed") is True
        otel_row = _row("1 import", "opentelemetry modules imported (otel installed)" if installed
                        else "opentelemetry modules imported (otel NOT installed)", "modules",
                        len(otel_loaded), target="== 0, otel installed", key="import_no_otel")
        otel_row["status"] = "n/a" if not installed else ("PASS" if not otel_loaded else "MISS")
        rows.append(otel_row)

    calls = res.get("calls", {})
    for op in ("create", "search", "execute"):
        rows.append(_row("2 calls @0ms", f"{op}: latency, 1 in flight", "ms",
                         _get(calls, "async", op, "latency_ms"), _get(calls, "raw", op, "latency_ms"),
                         _get(calls, "official", op, "latency_ms")))
        is_exec = op == "execute"
        rows.append(_row("2 calls @0ms", f"{op}: client CPU per call", "ms",
                         _get(calls, "async", op, "cpu_ms"), _get(calls, "raw", op, "cpu_ms"),
                         _get(calls, "official", op, "cpu_ms"),
                         target="<= 1.1x raw" if is_exec else "",
                         check=_at_most(1.1, "raw") if is_exec else None,
                         key="execute_cpu" if is_exec else None))
    for conc in ("1", "20", "100"):
        is_100 = conc == "100"
        rows.append(_row("2 calls @0ms", f"execute throughput, {conc} in flight", "calls/s",
                         _get(calls, "async", "throughput", conc, "calls_per_s"),
                         _get(calls, "raw", "throughput", conc, "calls_per_s"),
                         _get(calls, "official", "throughput", conc, "calls_per_s"),
                         target=">= 0.8x raw" if is_100 else "",
                         check=_at_least(0.8, "raw") if is_100 else None,
                         key="throughput_100" if is_100 else None))
        rows.append(_row("2 calls @0ms", f"execute CPU per call, {conc} in flight", "ms",
                         _get(calls, "async", "throughput", conc, "cpu_ms_per_call"),
                         _get(calls, "raw", "throughput", conc, "cpu_ms_per_call"),
                         _get(calls, "official", "throughput", conc, "cpu_ms_per_call")))
    sync = calls.get("sync")
    if isinstance(sync, dict) and "error" not in sync:
        rows.append(_row("2 sync facade", "sync execute latency, 1 thread", "ms",
                         _get(sync, "execute", "latency_ms"), _get(calls, "raw", "execute", "latency_ms"),
                         _get(calls, "official", "execute", "latency_ms"),
                         target="< official", check=_below("official"), key="sync_latency"))
        rows.append(_row("2 sync facade", "sync execute CPU per call, 1 thread", "ms",
                         _get(sync, "execute", "cpu_ms"), _get(calls, "raw", "execute", "cpu_ms"),
                         _get(calls, "official", "execute", "cpu_ms")))
        for conc in ("1", "20"):
            is_20 = conc == "20"
            rows.append(_row("2 sync facade", f"sync throughput, {conc} thread(s)", "calls/s",
                             _get(sync, "throughput", conc, "calls_per_s"),
                             _get(calls, "raw", "throughput", conc, "calls_per_s"),
                             _get(calls, "official", "throughput", conc, "calls_per_s"),
                             target=">= 3x official" if is_20 else "",
                             check=_at_least(3.0, "official") if is_20 else None,
                             key="sync_throughput_20" if is_20 else None))
    else:
        reason = (sync or {}).get("error", "composio_router._sync not importable") if isinstance(sync, dict) else "not run"
        rows.append({**_row("2 sync facade", f"sync facade: skipped ({str(reason)[:60]})", "", None),
                     "target": ">= 3x official @20 thr; latency < official", "status": "n/a",
                     "key": "sync_throughput_20"})

    batch = res.get("batch", {})
    ours_b, off_b = batch.get("async", {}), batch.get("official", {})
    single = _num(_get(ours_b, "single_remote_ms"))
    ms = _get(ours_b, "tool_ms")
    rows.append(_row(f"3 batch @{ms}ms", "single remote call", "ms", single, None, _get(off_b, "single_remote_ms")))
    rows.append(_row(f"3 batch @{ms}ms", "single local call", "ms",
                     _get(ours_b, "single_local_ms"), None, _get(off_b, "single_local_ms")))
    for kind in ("remote", "local", "mixed"):
        value = _num(_get(ours_b, f"batch_{kind}_ms"))
        row = _row(f"3 batch @{ms}ms", f"20-tool batch, {kind}", "ms", value, None,
                   _get(off_b, f"batch_{kind}_ms"), target="<= 1.2x single call", key=f"batch_{kind}")
        ratio_single = _ratio(value, single)
        row["ratio_vs_single"] = ratio_single
        row["status"] = "n/a" if ratio_single is None else ("PASS" if ratio_single <= 1.2 else "MISS")
        errors = _get(ours_b, f"batch_{kind}_errors")
        if errors:
            row["status"] = "MISS"
            row["target"] += f" (errors: {errors})"
        rows.append(row)
        seq = _get(ours_b, f"sequential_{kind}_ms")
        rows.append(_row(f"3 batch @{ms}ms", "  same 20, sequential execute()", "ms", seq))

    burst = res.get("burst", {})
    b_ours, b_raw = burst.get("async", {}), burst.get("raw", {})
    n = _get(b_ours, "calls")
    rows.append(_row("4 burst", f"{n} concurrent executes: completed", "calls",
                     _get(b_ours, "completed"), _get(b_raw, "completed")))
    err_row = _row("4 burst", "  errors", "", _get(b_ours, "errors"), _get(b_raw, "errors"), target="== 0",
                   key="burst_errors")
    errs = _num(_get(b_ours, "errors"))
    completed = _num(_get(b_ours, "completed"))
    err_row["status"] = "n/a" if errs is None else ("PASS" if errs == 0 and completed == n else "MISS")
    rows.append(err_row)
    rows.append(_row("4 burst", "  wall time", "s", _get(b_ours, "wall_s"), _get(b_raw, "wall_s")))
    rows.append(_row("4 burst", "  peak RSS", "MB", _get(b_ours, "peak_rss_mb"), _get(b_raw, "peak_rss_mb")))
    rows.append(_row("4 burst", "  peak RSS growth during the burst", "MB",
                     _get(b_ours, "peak_rss_delta_mb"), _get(b_raw, "peak_rss_delta_mb")))
    return rows


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return str(value)


def _fmt_ratio(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}x"


def format_table(rows: list[Row], *, official_note: str = "") -> str:
    header = ["section", "metric", "unit", "composio_router", "raw aiohttp", "official", "vs raw",
              "vs official", "target", "status"]
    lines = []
    for r in rows:
        ratio_raw = r["ratio_vs_raw"]
        target_ratio = r.get("ratio_vs_single")
        lines.append([
            r["section"], r["metric"], r["unit"], _fmt(r["composio_router"]), _fmt(r["raw_aiohttp"]),
            _fmt(r["official"]), _fmt_ratio(ratio_raw), _fmt_ratio(r["ratio_vs_official"]),
            r["target"] + (f" ({target_ratio:.2f}x)" if target_ratio is not None else ""), r["status"],
        ])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    right = {3, 4, 5, 6, 7}

    def fmt_line(cells: list[str]) -> str:
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells))

    out = [fmt_line(header), "  ".join("-" * w for w in widths)]
    previous = None
    for line in lines:
        if previous is not None and line[0] != previous:
            out.append("")
        previous = line[0]
        out.append(fmt_line(line))
    if official_note:
        out.append("")
        out.append(f"official SDK: {official_note}")
    return "\n".join(out)
