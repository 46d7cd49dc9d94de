"""Developer tasks: ``python3 noxfile.py -s tests`` (or ``nox -s tests`` where nox is installed).

Sessions: tests, lint, typecheck, docs, generate, demo, bench.

Run as a script, this file bootstraps itself: if nox is not importable it creates
``.nox/.bootstrap`` with nox in it (from the package index, nothing else) and
re-runs itself there. That is what lets the README's quickstart be one command on
a machine that has only Python 3.11.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _bootstrap() -> None:
    venv = HERE / ".nox" / ".bootstrap"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print("nox is not installed: creating .nox/.bootstrap with nox in it", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "nox"], check=True)
    os.execv(str(python), [str(python), "-m", "nox", "-f", str(Path(__file__).resolve()), *sys.argv[1:]])


try:
    import nox
except ImportError:
    if __name__ == "__main__":
        _bootstrap()
    raise

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"

PYTHON = "3.11"
# The provider SDKs that the provider tests check our output against; test-only.
PROVIDER_SDKS = ["openai", "anthropic", "google-genai", "langchain-core"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite against the in-process emulator, warnings as errors, on every core.

    Each test is bounded (pytest-timeout): a hang fails that test with its stack instead of
    stalling the run. `nox -s tests -- -n 0` runs it serially (~2 minutes on 2 cores).
    """
    session.install("-e", ".[test]")
    # The vendor's TypeScript SDK for tests/mcp (npm ci into a cache; nothing if npm is missing).
    session.run("python", "tests/mcp/test_ts_sdk.py")
    session.run("python", "-m", "pytest", "-n", "auto", "--timeout", "300", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, the architecture's import contracts, and the check that the sync facade is fresh."""
    session.install("ruff", "import-linter", "-e", ".")
    session.run("ruff", "check", "composio_router", "composio_router_emulator", "tests", "examples", "benchmarks", "scripts", "noxfile.py")
    # Layers, the emulator's independence, no import cycles: [tool.importlinter] in pyproject.toml.
    session.run("lint-imports")
    session.run("python", "scripts/generate_sync.py", "--check")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package (the generated facade included)."""
    # The test extra brings pytest and langchain-core: the optional modules that import
    # them (testing.pytest_plugin, providers.langchain) are type-checked too.
    session.install("mypy", "-e", ".[test]")
    session.run("mypy", "--strict", "composio_router", "composio_router_emulator")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site: `mkdocs build --strict` into site/, then its API reference checked.

    Warnings are errors: a broken link, an unknown anchor, a `:::` directive naming nothing.
    After the build, tests/docs/test_reference.py checks the site's objects.inv: every
    public name must have an entry. (The snippets and examples run in the tests session.)
    """
    session.install("-e", ".[docs]", "pytest")
    # Material for MkDocs prints a notice about MkDocs 2.0 on every build: not a warning of ours.
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", *session.posargs)
    session.run(
        "python", "-m", "pytest", "-q", "-p", "no:randomly", "tests/docs/test_reference.py",
        env={"COMPOSIO_DOCS_SITE": "site"},
    )


@nox.session(python=PYTHON)
def reliability(session: nox.Session) -> None:
    """Only the fault, load and bad-input suite (tests/reliability; part of `tests` too)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "tests/reliability", *session.posargs)


@nox.session(python=PYTHON)
def mutants(session: nox.Session) -> None:
    """Break the retry policy on purpose; every mutant must fail the reliability suite."""
    session.install("-e", ".[test]")
    session.run("python", "scripts/retry_mutants.py", *session.posargs)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate composio_router/_sync.py from the async classes."""
    session.install("-e", ".")
    session.run("python", "scripts/generate_sync.py")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The guided demo, offline on the emulator unless COMPOSIO_API_KEY is set."""
    session.install(".")
    session.run("python", "-m", "composio_router", "demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against the emulator on loopback (see benchmarks/README.md).

    ``nox -s bench -- ARGS`` runs ``python -m benchmarks ARGS``; ``nox -s bench -- telemetry
    ARGS`` runs the OpenTelemetry cost benchmark, ``python -m benchmarks.telemetry ARGS``.
    Installed with the ``otel`` extra and the OpenTelemetry SDK: the telemetry benchmark
    needs both, and the import section then shows that ``import composio_router`` loads no
    OpenTelemetry even when it is installed.
    """
    session.install(".[otel]", "opentelemetry-sdk", "psutil")
    if session.posargs[:1] == ["telemetry"]:
        session.run("python", "-m", "benchmarks.telemetry", *session.posargs[1:])
    else:
        session.run("python", "-m", "benchmarks", *session.posargs)


if __name__ == "__main__":
    sys.exit(nox.main())
