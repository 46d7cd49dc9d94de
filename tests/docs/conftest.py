"""Running the documentation's snippets and the example programs as a reader would, offline.

Fixture (besides the shared ones of ``tests/conftest.py``):

``docs_run``  everything of ``tests/docs`` that runs in a subprocess, run once and at the
              same time: every runnable snippet and every example script (in worker
              processes, ``script_worker.py``), the example pytest suite
              (``examples/test_my_agent``) and the example notebook
              (``notebook_runner.py``). Its ``scripts`` map each script's id to its result;
              ``suite`` and ``notebook`` are those two results

Every child has the benchmarks' network guard installed (a connection or DNS look-up to
anything but loopback fails before it is sent), none of the LLM providers' keys (the
examples then use their scripted stand-in model) and telemetry off. A script or the
notebook sees only ``COMPOSIO_BASE_URL`` and ``COMPOSIO_API_KEY``, pointing at a fresh
emulator of its own, started in this process as the README's emulator command starts it
(the same pre-connected accounts). The example suite starts its own emulators, through
the SDK's pytest plugin, as it would in a reader's project.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from composio_router.testing import Emulator

from ..conftest import TELEMETRY_OFF
from .snippets import ROOT, emulator_command, preconnected, python_snippets

HERE = Path(__file__).resolve().parent
EXAMPLES = ROOT / "examples"
NOTEBOOK = EXAMPLES / "notebook.ipynb"
SUITE = EXAMPLES / "test_my_agent"
# The key the emulator's command line suggests.
SNIPPET_API_KEY = "emulator-local-key"
# Variables a child must not inherit: real keys, and endpoints of the developer's.
SCRUBBED_PREFIXES = ("COMPOSIO_", "OPENAI_", "ANTHROPIC_", "GOOGLE_", "GEMINI_", "AZURE_OPENAI", "LANGSMITH_", "LANGCHAIN_")
SUITE_TIMEOUT = 120
NOTEBOOK_TIMEOUT = 180


@dataclass(frozen=True)
class Script:
    id: str
    path: Path
    timeout: float = 30.0
    kind: str = "script"  # or "pytest": a test module, run by pytest


@dataclass
class DocsRun:
    scripts: dict[str, dict[str, Any]] = field(default_factory=dict)
    suite: dict[str, Any] = field(default_factory=dict)
    notebook: dict[str, Any] = field(default_factory=dict)


def child_environment(**extra: str) -> dict[str, str]:
    """This process's environment without keys or endpoints, telemetry off."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(SCRUBBED_PREFIXES)}
    env.update(TELEMETRY_OFF)
    env.update(extra)
    return env


def emulator_environment(emu: Emulator) -> dict[str, str]:
    return {"COMPOSIO_BASE_URL": emu.url, "COMPOSIO_API_KEY": SNIPPET_API_KEY}


def example_scripts() -> list[Path]:
    """The example programs: every ``examples/*.py`` that runs as a script (``__main__``).

    A module without a ``__main__`` block (an app served by uvicorn, say) is not a script;
    its own tests cover it.
    """
    return [p for p in sorted(EXAMPLES.glob("*.py")) if re.search(r'^if __name__ == "__main__":', p.read_text(encoding="utf-8"), re.MULTILINE)]


def snippet_scripts(folder: Path) -> list[Script]:
    scripts = []
    for snippet in python_snippets():
        if snippet.needs is not None:
            continue
        path = folder / (re.sub(r"\W+", "_", snippet.id) + ".py")
        path.write_text(snippet.code, encoding="utf-8")
        # A block that defines tests is a test module: pytest runs it, as a reader would.
        kind = "pytest" if re.search(r"^(async )?def test_", snippet.code, re.MULTILINE) else "script"
        scripts.append(Script(snippet.id, path, kind=kind))
    return scripts


@contextlib.contextmanager
def running_emulators(count: int) -> Iterator[list[Emulator]]:
    """``count`` emulators as the documentation's command starts them (accounts included)."""
    connect = preconnected(emulator_command())
    with contextlib.ExitStack() as stack:
        emulators = []
        for _ in range(count):
            emu = stack.enter_context(Emulator.running_in_thread())
            for user, toolkit in connect:
                emu.connect_account(user, toolkit)
            emulators.append(emu)
        yield emulators


def _guarded(*code: str) -> list[str]:
    """``python -c`` that installs the network guard, then runs ``code``."""
    bootstrap = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks import netguard; netguard.install(); sys.path.pop(0); "
    return [sys.executable, "-c", bootstrap + "; ".join(code)]


def _start_worker(jobs: list[dict[str, Any]], workdir: Path) -> tuple[Path, subprocess.Popen[bytes]]:
    job_file, result_file = workdir / "jobs.json", workdir / "results.json"
    job_file.write_text(json.dumps(jobs), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "script_worker.py"), str(job_file), str(result_file)],
        env=child_environment(), cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    return result_file, proc


def _start_pytest(args: list[str], *, cwd: Path, **env: str) -> subprocess.Popen[bytes]:
    """pytest in a guarded process. Third-party plugins are not autoloaded (some take
    seconds to import), except anyio's, which ``@pytest.mark.anyio`` needs."""
    return subprocess.Popen(
        [*_guarded("import pytest", "sys.exit(pytest.main(sys.argv[1:]))"), *args, "-q", "-p", "anyio"],
        env=child_environment(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **env), cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )


def _finish(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, str]:
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        return None, output.decode("utf-8", "replace")[-5000:] + f"\n(killed after {timeout} s)"
    return proc.returncode, output.decode("utf-8", "replace")[-8000:]


def run_everything(workdir: Path) -> DocsRun:
    """Start every child at once, then collect: the machine's cores overlap their waits."""
    snippets = snippet_scripts(workdir)
    scripts = [s for s in snippets if s.kind == "script"] + [Script(f"examples/{p.name}", p) for p in example_scripts()]
    run = DocsRun()
    with running_emulators(len(scripts) + 1) as emulators:
        *for_scripts, for_notebook = emulators
        jobs = [
            {"id": s.id, "path": str(s.path), "timeout": s.timeout, "env": emulator_environment(emu)}
            for s, emu in zip(scripts, for_scripts, strict=True)
        ]
        result_file, worker = _start_worker(jobs, workdir)
        # Snippets that are test modules run as `pytest test_a.py test_b.py` would run them,
        # in one process (each declares its plugins itself: test_snippets.py checks that, as
        # another module's declaration would otherwise cover for it). They need no emulator
        # of ours: the plugin's fixtures start their own.
        modules = [s for s in snippets if s.kind == "pytest"]
        module_run = _start_pytest([*(str(s.path) for s in modules), "-p", "no:cacheprovider", "-W", "error"], cwd=workdir) if modules else None
        suite = _start_pytest([str(SUITE)], cwd=ROOT)
        notebook_out = workdir / "notebook.json"
        notebook = subprocess.Popen(
            [sys.executable, str(HERE / "notebook_runner.py"), str(NOTEBOOK), str(notebook_out)],
            env=child_environment(**emulator_environment(for_notebook)), cwd=workdir,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        code, output = _finish(worker, sum(job["timeout"] for job in jobs) + 30)
        if code != 0 or not result_file.exists():
            for job in jobs:
                run.scripts[job["id"]] = {"ok": False, "error": f"the worker died ({code}):\n{output}", "output": "", "seconds": 0, "blocked": []}
        else:
            run.scripts.update((r["id"], r) for r in json.loads(result_file.read_text(encoding="utf-8")))
        if module_run is not None:
            code, output = _finish(module_run, SUITE_TIMEOUT)
            # pytest's summary names each failing module (FAILED/ERROR path::test); a run that
            # failed without naming one (a crash, a usage error) fails them all.
            named = {s.id for s in modules if code != 0 and s.path.name in output}
            for s in modules:
                failed = code != 0 and (s.id in named or not named)
                run.scripts[s.id] = {"ok": not failed, "error": f"pytest exited with {code}" if failed else None,
                                     "output": output, "blocked": [], "seconds": None}
        code, output = _finish(suite, SUITE_TIMEOUT)
        run.suite = {"ok": code == 0, "error": None if code == 0 else f"pytest exited with {code}", "output": output}
        code, output = _finish(notebook, NOTEBOOK_TIMEOUT)
        if code == 0 and notebook_out.exists():
            run.notebook = json.loads(notebook_out.read_text(encoding="utf-8"))
        else:
            run.notebook = {"ok": False, "error": f"the notebook runner died ({code})", "skipped": None}
        run.notebook["output"] = output
    return run


@pytest.fixture(scope="session")
def docs_run(tmp_path_factory: pytest.TempPathFactory) -> DocsRun:
    return run_everything(tmp_path_factory.mktemp("docs-run"))


def describe(result: dict[str, Any]) -> str:
    parts = [result.get("error") or ""]
    if result.get("blocked"):
        parts.append(f"network guard refused: {result['blocked']}")
    if result.get("output"):
        parts.append("--- output ---\n" + result["output"])
    return "\n".join(parts)

