"""The Python code blocks of README.md and docs/, and the markers that exempt some.

A block is a fenced ```` ```python ```` block (indented ones inside admonitions or lists
too). It must run as written, as a complete script, against the emulator; or it carries a
marker on the nearest non-blank line before its fence:

    <!-- needs: real key -->

for code that only works against the real backend or a real LLM (an OpenAI or Anthropic
key). Marked blocks are still compiled. CONTRIBUTING.md explains the rule; the reasons a
marker may give are ``NEEDS`` below, so that "not run" stays rare and visible.
"""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEEDS = {
    "real key": "a real COMPOSIO_API_KEY, or an LLM provider's key (OpenAI, Anthropic, Google)",
    "official sdk": "the vendor's own SDK (`composio`), on migration pages",
}
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[^\n]*$")
_MARKER = re.compile(r"^\s*<!--\s*needs:\s*(?P<reason>[^>]*?)\s*-->\s*$")


@dataclass(frozen=True)
class Snippet:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    needs: str | None  # the marker's reason, or None: it must run

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def documents() -> list[Path]:
    """README.md and every page of the documentation site."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def extract(path: Path) -> list[Snippet]:
    lines = path.read_text(encoding="utf-8").split("\n")
    found: list[Snippet] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = _FENCE.match(lines[j])
            if closing and closing["fence"].startswith(fence) and not closing["lang"]:
                break
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        previous = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = _MARKER.match(previous)
        found.append(
            Snippet(
                path=path,
                line=i + 1,
                language=opening["lang"].lower(),
                code="\n".join(body) + "\n",
                needs=marker["reason"].lower() if marker else None,
            )
        )
        i = j + 1
    return found


def python_snippets() -> list[Snippet]:
    return [s for path in documents() for s in extract(path) if s.language in {"python", "py", "python3"}]


def emulator_command() -> list[str]:
    """The README's command for the emulator the snippets run against (quickstart)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^(python -m composio_router emulator[^\n#]*)", readme, re.MULTILINE)
    if match is None:
        raise AssertionError("README.md shows no `python -m composio_router emulator ...` command")
    return shlex.split(match[1])


def preconnected(command: list[str]) -> list[tuple[str, str]]:
    """The ``--connect USER:TOOLKIT`` pairs of an emulator command line."""
    pairs = []
    for flag, value in itertools.pairwise(command):
        if flag == "--connect":
            user, _, toolkit = value.rpartition(":")
            pairs.append((user, toolkit))
    return pairs
