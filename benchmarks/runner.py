"""The orchestrator behind ``python -m benchmarks`` (see ``benchmarks/README.md``)."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import netguard
from .backend import ROOT, backend, child_env, cpu_seconds
from .report import build_rows, format_table
from .worker import RESULT_PREFIX

RESULTS_DIR = Path(__file__).resolve().parent / "results"

FULL: dict[str, Any] = {
    "rounds": 3,
    "warmup": 50,
    "seq_calls": {"create": 100, "search": 200, "execute": 500},
    "tp_calls": 2000,
    "tp_calls_sync": 1000,
    "batch_latency": 0.05,
    "batch_rounds": 7,
    "batch_seq_rounds": 3,
    "burst": 1000,
    "burst_latency": 0.05,
    "import_repeats": 7,
    "import_warmup": True,
    "passes": 3,
    "profile_calls": 2000,
    "sync_facade_calls": 2000,
    "worker_timeout": 600.0,
}
QUICK: dict[str, Any] = {
    "rounds": 1,
    "warmup": 3,
    "seq_calls": {"create": 5, "search": 5, "execute": 20},
    "tp_calls": 40,
    "tp_calls_sync": 20,
    "batch_latency": 0.01,
    "batch_rounds": 1,
    "batch_seq_rounds": 1,
    "burst": 100,
    "burst_latency": 0.02,
    "import_repeats": 1,
    "import_warmup": False,
    "passes": 1,
    "profile_calls": 200,
    "sync_facade_calls": 20,
    "worker_timeout": 120.0,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_worker(
    scenario: str,
    kind: str,
    url: str,
    params: dict[str, Any],
    *,
    timeout: float,
    env_extra: dict[str, str] | None = None,
    server_pid: int | None = None,
) -> dict[str, Any]:
    spec = json.dumps({"scenario": scenario, "kind": kind, "url": url, "params": params})
    server_cpu0 = cpu_seconds(server_pid) if server_pid else None
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.worker", spec],
            capture_output=True, text=True, timeout=timeout, env=child_env(env_extra), cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX):])
            result["worker_wall_s"] = wall
            if server_pid and server_cpu0 is not None:
                server_cpu1 = cpu_seconds(server_pid)
                if server_cpu1 is not None:
                    result["backend_cpu_s"] = server_cpu1 - server_cpu0
            return result
    tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-6:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)[-800:]}


def merge_passes(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric leaf across passes; lists concatenated; the rest from the last."""
    first = results[-1]
    merged: dict[str, Any] = {}
    for key, value in first.items():
        values = [r.get(key) for r in results if key in r]
        if isinstance(value, dict):
            merged[key] = merge_passes([v for v in values if isinstance(v, dict)])
        elif isinstance(value, bool) or not isinstance(value, int | float):
            merged[key] = [x for v in values for x in v] if isinstance(value, list) else value
        else:
            nums = [float(v) for v in values if isinstance(v, int | float)]
            merged[key] = statistics.median(nums) if nums else value
    if len(results) > 1:
        merged["passes"] = len(results)
    return merged


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _git_rev() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "composio_router"], capture_output=True, text=True, cwd=ROOT, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    rev = out.stdout.strip() or "no-commit"
    return rev + ("+dirty" if dirty.stdout.strip() else "")


def _user_agent() -> str:
    try:
        from composio_router._config import USER_AGENT

        return str(USER_AGENT)
    except ImportError:
        return "composio-router/Python"


def _sdk_version() -> str | None:
    try:
        from composio_router._version import __version__

        return str(__version__)
    except ImportError:
        return None


def _official(args: argparse.Namespace) -> tuple[dict[str, Any] | None, str]:
    from . import official

    if args.no_official:
        return None, "skipped (--no-official)"
    if args.quick and not args.official:
        return None, "skipped (--quick without --official)"
    found = official.find()
    if found is None and args.official:
        log(f"installing the official composio {official.OFFICIAL_VERSION} into {official.target_dir()} ...")
        try:
            found = official.install()
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            return None, f"not installed (install failed: {exc})"
    if found is None:
        return None, "not installed (run with --official to install it; see benchmarks/README.md)"
    return found, f"composio {found.get('version')} from {found.get('path') or 'the running environment'}"


def _cpu_or_tp_missed(calls: dict[str, Any]) -> bool:
    try:
        cpu = calls["async"]["execute"]["cpu_ms"] / calls["raw"]["execute"]["cpu_ms"]
        tp = calls["async"]["throughput"]["100"]["calls_per_s"] / calls["raw"]["throughput"]["100"]["calls_per_s"]
    except (KeyError, TypeError, ZeroDivisionError):
        return False
    return bool(cpu > 1.3 or tp < 0.8)


def run(args: argparse.Namespace) -> dict[str, Any]:
    netguard.install()
    cfg = dict(QUICK if args.quick else FULL)
    if args.rounds:
        cfg["rounds"] = args.rounds
    timeout = cfg["worker_timeout"]
    started = time.perf_counter()
    official_found, official_note = _official(args)
    sync_ok = importlib.util.find_spec("composio_router._sync") is not None
    sync_module = (Path(__file__).resolve().parent / "sync_facade.py").exists()
    sections = set(args.only.split(",")) if args.only else {"imports", "calls", "batch", "burst"}

    res: dict[str, Any] = {
        "meta": {
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "mode": "quick" if args.quick else "full",
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "composio_router_version": _sdk_version(),
            "git": _git_rev(),
            "official": official_note,
            "sync_facade": "present" if sync_ok else "absent (composio_router._sync not importable)",
            "sync_facade_module": "present" if sync_module else "absent (benchmarks/sync_facade.py)",
            "config": cfg,
            "loadavg_start": _loadavg(),
            "backend": "composio_router emulator in a separate process on 127.0.0.1 (python -m benchmarks.backend)",
            "cpu_note": "client CPU = time.process_time() of the worker process (all its threads); "
                        "the backend runs in another process on the same cores (backend_cpu_s per worker)",
        },
    }

    if "imports" in sections:
        from . import imports

        subjects = ["baseline", "composio_router", "raw"] + (["official"] if official_found else [])
        log(f"import time and memory: {', '.join(subjects)} x {cfg['import_repeats']} fresh interpreters")
        res["imports"] = imports.measure(
            subjects, cfg["import_repeats"], (official_found or {}).get("path"), warmup=cfg["import_warmup"]
        )

    user_agent = _user_agent()
    base_params = {
        "user_agent": user_agent,
        "rounds": cfg["rounds"], "warmup": cfg["warmup"], "seq_calls": cfg["seq_calls"],
        "tp_calls": cfg["tp_calls"], "tp_calls_sync": cfg["tp_calls_sync"],
    }
    if "calls" in sections:
        res["calls"] = {}
        with backend(0.0) as be:
            res["meta"]["backend_url_0ms"] = be.url
            kinds: list[tuple[str, list[int], dict[str, str] | None]] = [
                ("async", [1, 20, 100], None),
                ("raw", [1, 20, 100], None),
            ]
            if sync_ok:
                kinds.append(("sync", [1, 20], None))
            else:
                res["calls"]["sync"] = {"error": "composio_router._sync not importable yet"}
            if official_found:
                from . import official

                kinds.append(("official", [1, 20, 100], official.worker_env(official_found, be.url)))
            # Passes alternate the clients, so that load from anything else on the machine
            # spreads over all of them; the merged figure is the median of the passes.
            if args.kinds:
                wanted = set(args.kinds.split(","))
                kinds = [k for k in kinds if k[0] in wanted]
            passes: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _, _ in kinds}
            for n in range(cfg["passes"]):
                for kind, conc, env in kinds:
                    if passes[kind] and "error" in passes[kind][-1]:
                        continue
                    log(f"calls @0ms, pass {n + 1}/{cfg['passes']}: {kind} "
                        f"(create/search/execute latency, throughput at {conc} in flight)")
                    result = run_worker(
                        "calls", kind, be.url, {**base_params, "concurrency": conc},
                        timeout=timeout, env_extra=env, server_pid=be.pid,
                    )
                    passes[kind].append(result)
                    if "error" in result:
                        log(f"  {kind} failed: {result['error']}")
                        log(f"  backend log tail:\n{be.log_tail()}")
            for kind, results in passes.items():
                res["calls"][kind] = results[-1] if "error" in results[-1] else merge_passes(results)
            if sync_module and (not args.kinds or "sync" in args.kinds.split(",")):
                log("benchmarks/sync_facade.py: run(calls=..., url=...)")
                res["sync_facade_module"] = run_worker(
                    "sync_facade_module", "sync", be.url, {"calls": cfg["sync_facade_calls"]},
                    timeout=timeout, server_pid=be.pid,
                )
            want_profile = args.profile == "always" or (
                args.profile == "auto" and not args.quick and _cpu_or_tp_missed(res["calls"])
            )
            if want_profile:
                res["profile"] = {}
                for kind in ("async", "raw"):
                    for conc in (1, 100):
                        log(f"profile: {kind}, {cfg['profile_calls']} executes at {conc} in flight (cProfile)")
                        res["profile"][f"{kind}@{conc}"] = run_worker(
                            "profile", kind, be.url,
                            {"calls": cfg["profile_calls"], "concurrency": conc, "user_agent": user_agent},
                            timeout=timeout,
                        )

    if "batch" in sections or "burst" in sections:
        latency = cfg["batch_latency"]
        with backend(latency) as be:
            res["meta"]["backend_url_latency"] = be.url
            if "batch" in sections:
                res["batch"] = {}
                params = {
                    "tool_ms": round(latency * 1000), "batch_size": 20,
                    "rounds": cfg["batch_rounds"], "seq_rounds": cfg["batch_seq_rounds"],
                }
                batch_kinds: list[tuple[str, dict[str, str] | None]] = [("async", None)]
                if official_found:
                    from . import official

                    batch_kinds.append(("official", official.worker_env(official_found, be.url)))
                for kind, env in batch_kinds:
                    log(f"20-tool batches @{params['tool_ms']}ms: {kind}")
                    res["batch"][kind] = run_worker("batch", kind, be.url, params, timeout=timeout, env_extra=env)
                    if "error" in res["batch"][kind]:
                        log(f"  {kind} failed: {res['batch'][kind]['error']}")
            if "burst" in sections:
                res["burst"] = {}
                for kind in ("async", "raw"):
                    log(f"burst: {cfg['burst']} concurrent executes @{latency * 1000:.0f}ms, {kind}")
                    res["burst"][kind] = run_worker(
                        "burst", kind, be.url, {"burst": cfg["burst"], "user_agent": user_agent},
                        timeout=timeout, server_pid=be.pid,
                    )

    res["meta"]["duration_s"] = time.perf_counter() - started
    res["meta"]["loadavg_end"] = _loadavg()
    res["meta"]["netguard_blocked_in_orchestrator"] = netguard.blocked()
    rows = build_rows(res)
    res["rows"] = rows
    res["targets"] = {r["key"]: r["status"] for r in rows if r.get("key") and r["status"]}
    return res


def write(res: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = res["meta"]["timestamp"].replace(":", "").replace("+0000", "Z")
    suffix = "-quick" if res["meta"]["mode"] == "quick" else ""
    path = out_dir / f"{stamp}{suffix}.json"
    text = json.dumps(res, indent=2, sort_keys=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")
    (out_dir / ("latest-quick.json" if suffix else "latest.json")).write_text(text + "\n", encoding="utf-8")
    return path


def summary(res: dict[str, Any]) -> str:
    parts = [format_table(res["rows"], official_note=res["meta"]["official"])]
    extra = res.get("sync_facade_module")
    if isinstance(extra, dict):
        parts.append("")
        parts.append("benchmarks/sync_facade.py run(): " + ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items()
            if k not in ("netguard_blocked",)
        ))
    prof = res.get("profile")
    if isinstance(prof, dict) and prof:
        parts.append("")
        parts.append("profile (cProfile tottime per execute call, microseconds, by package):")
        for name, p in prof.items():
            if "error" in p:
                parts.append(f"  {name}: {p['error']}")
                continue
            groups = ", ".join(f"{g} {us:.0f}" for g, us in list(p["by_package_us_per_call"].items())[:7])
            parts.append(f"  {name}: total {p['profiled_cpu_us_per_call']:.0f} us/call: {groups}")
        ours = prof.get("async@1")
        if isinstance(ours, dict) and "top_tottime" in ours:
            parts.append("  top functions (async@1, tottime us/call):")
            for row in ours["top_tottime"][:12]:
                parts.append(f"    {row['us_per_call']:7.1f}  {row['where']}")
    blocked = [b for k in ("calls", "batch", "burst") for v in (res.get(k) or {}).values()
               if isinstance(v, dict) for b in v.get("netguard_blocked", [])]
    parts.append("")
    parts.append(f"network guard: {len(blocked)} non-loopback attempt(s) refused"
                 + (f" ({'; '.join(blocked[:3])})" if blocked else ""))
    misses = [k for k, v in res["targets"].items() if v == "MISS"]
    parts.append(f"targets: {sum(v == 'PASS' for v in res['targets'].values())} pass, {len(misses)} miss"
                 + (f" ({', '.join(misses)})" if misses else "")
                 + f", {sum(v == 'n/a' for v in res['targets'].values())} n/a")
    parts.append(f"run took {res['meta']['duration_s']:.0f} s ({res['meta']['mode']}); load average "
                 f"{res['meta'].get('loadavg_start')} at the start, {res['meta'].get('loadavg_end')} at the end "
                 f"on {res['meta']['cpu_count']} CPUs")
    return "\n".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="composio_router benchmarks (loopback only)")
    parser.add_argument("--quick", action="store_true", help="tiny counts: a few seconds, for smoke tests")
    parser.add_argument("--official", action="store_true",
                        help="install the official composio SDK (into .nox/bench-official) if it is missing")
    parser.add_argument("--install-official", dest="official", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-official", action="store_true", help="leave the official SDK out even if installed")
    parser.add_argument("--only", default="", help="comma-separated sections: imports,calls,batch,burst")
    parser.add_argument("--kinds", default="", help="comma-separated clients for the calls section: async,raw,sync,official")
    parser.add_argument("--rounds", type=int, default=0, help="override the number of measured rounds")
    parser.add_argument("--profile", choices=["auto", "always", "never"], default="auto",
                        help="cProfile the execute path (auto: when the CPU or throughput target misses)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where the JSON goes")
    parser.add_argument("--json", action="store_true", help="print the JSON path only (no table)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    res = run(args)
    path = write(res, args.out)
    if not args.json:
        print(summary(res))
    print(f"results: {path}")
    return 0
