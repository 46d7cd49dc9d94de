"""Every Python block of README.md and docs/ runs as written, against the emulator.

Each block is a complete script: it is written to a file and run as ``__main__`` in a
worker subprocess (``script_worker.py``; a block that defines tests is run by pytest), with
only ``COMPOSIO_BASE_URL`` and ``COMPOSIO_API_KEY`` set, pointing at a fresh emulator started
as the README's command starts it (see ``conftest.py``). Blocks marked ``<!-- needs: real key -->`` (see ``snippets.py``) are compiled,
not run.
"""

from __future__ import annotations

import re

import pytest

from .conftest import DocsRun, describe
from .snippets import NEEDS, Snippet, documents, extract, python_snippets

SNIPPETS = python_snippets()
RUNNABLE = [s for s in SNIPPETS if s.needs is None]


@pytest.mark.parametrize("snippet", RUNNABLE, ids=lambda s: s.id)
def test_runs_as_written(snippet: Snippet, docs_run: DocsRun) -> None:
    result = docs_run.scripts[snippet.id]
    assert result["ok"], f"{snippet.id} (line numbers below count from its fence):\n{describe(result)}"
    assert not result["blocked"], f"{snippet.id} tried to leave the machine: {result['blocked']}"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_compiles(snippet: Snippet) -> None:
    # Complete scripts: no top-level await (that would need a notebook or an async REPL).
    compile(snippet.code, snippet.id, "exec")


def test_markers_give_a_known_reason() -> None:
    unknown = [f"{s.id}: {s.needs!r}" for s in SNIPPETS if s.needs is not None and s.needs not in NEEDS]
    assert not unknown, f"unknown `<!-- needs: ... -->` reasons (known: {sorted(NEEDS)}): {unknown}"


def test_python_blocks_are_fenced_as_python() -> None:
    # A block fenced ```py or ```python3 would still run; one without a language would
    # silently escape this test, so Python-looking unlabelled blocks are refused.
    unlabelled = [
        f"{s.id}"
        for path in documents()
        for s in extract(path)
        if s.language == "" and re.search(r"^(import |from \w+ import |async def |def )", s.code, re.MULTILINE)
    ]
    assert not unlabelled, f"code blocks that look like Python but are not fenced ```python: {unlabelled}"


def test_test_modules_enable_what_they_use() -> None:
    # The test-module blocks run in one pytest process, where one module's `pytest_plugins`
    # would cover for another's missing one: so each must say it itself, as a reader's
    # lone copy of it would have to.
    missing = []
    for s in SNIPPETS:
        if not re.search(r"^(async )?def test_", s.code, re.MULTILINE):
            continue
        if "composio_emulator" in s.code and "pytest_plugins = [" not in s.code:
            missing.append(f"{s.id}: uses the plugin's fixtures without `pytest_plugins`")
        if re.search(r"^async def test_", s.code, re.MULTILINE) and "pytest.mark.anyio" not in s.code:
            missing.append(f"{s.id}: has async tests without `pytest.mark.anyio`")
    assert not missing, missing


def test_most_blocks_run() -> None:
    assert len(RUNNABLE) >= 20
    assert len(SNIPPETS) - len(RUNNABLE) <= len(SNIPPETS) // 4, "most blocks must run; mark only what needs a real key"
