"""The README's code must at least compile, and its quickstart must be what CI runs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_python_blocks_compile() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert len(blocks) >= 6
    for block in blocks:
        # Snippets may use top-level await, as in a notebook or an async REPL.
        compile(block, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_quickstart_test_command_is_what_ci_runs() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(python3 noxfile\.py -s \w+)", quickstart, flags=re.MULTILINE)
    assert commands == ["python3 noxfile.py -s demo", "python3 noxfile.py -s tests"]
    assert "python3 noxfile.py -s tests\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_public_names_resolve() -> None:
    import composio_router

    for name in composio_router.__all__:
        assert getattr(composio_router, name) is not None, name
