"""A Griffe extension for the API reference: the SDK's reST-flavoured docstrings as Markdown.

The docstrings are written for readers of the source: Sphinx roles (``:class:`X```),
``Example::`` literal-block intros and reST simple tables. mkdocstrings renders Markdown,
so, once the whole package is loaded, this extension rewrites every docstring:

* a role becomes a cross-reference to the object when it resolves (from the object's
  class, module or package, as Python would), rendered as code; otherwise plain code. The
  references are "optional": one that names something the reference does not render is
  plain text, never a broken link or a build warning;
* ``text::`` at the end of a paragraph becomes ``text:`` (the indented block after it is a
  code block in Markdown too);
* a reST simple table (``====  ====`` borders) becomes a Markdown table.

It never changes the source: only what the site shows.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|mod|data|exc|obj|const|ref):`(?P<target>[^`]+)`")
_BORDER = re.compile(r"^(?P<indent>\s*)=+(?:\s+=+)+\s*$")
_ROOTS = ("composio_router", "composio_router_emulator")


def _lookup(scope: Any, name: str) -> Any | None:
    try:
        found = scope[name]
    except Exception:  # KeyError, an alias that does not resolve, a non-container scope
        return None
    try:
        return found.final_target if found.is_alias else found
    except Exception:  # an alias to something outside the loaded packages
        return None


def _resolve(obj: Any, target: str) -> str | None:
    """The canonical path of ``target`` as seen from ``obj``, or None."""
    name = target.strip().lstrip("~").removesuffix("()")
    if name.startswith(".") or not name:
        return None
    scopes: list[Any] = []
    current = obj
    while current is not None:  # the object, its class, its module, the parent packages
        scopes.append(current)
        current = current.parent
    for scope in scopes:
        root = scope.path.split(".", 1)[0]
        if name.split(".", 1)[0] == root and scope.parent is None:
            found = _lookup(scope, name.split(".", 1)[1]) if "." in name else scope
        else:
            found = _lookup(scope, name)
        if found is not None:
            return str(found.path)
    return None


def _role(obj: Any, match: re.Match[str]) -> str:
    target = match["target"]
    # `~a.b.C` shows `C`; `Title <a.b.C>` shows the title.
    explicit = re.fullmatch(r"(?P<title>.+?)\s*<(?P<ref>[^<>]+)>", target)
    if explicit:
        title, ref = explicit["title"], explicit["ref"]
    else:
        ref = target
        title = target.lstrip("~").rsplit(".", 1)[-1] if target.startswith("~") else target
    code = f"<code>{html.escape(title)}</code>"
    path = _resolve(obj, ref)
    if path is None:
        return f"`{title}`"
    return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'


def _tables(text: str) -> str:
    """reST simple tables (border, header, border, rows, border) as Markdown tables."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        border = _BORDER.match(lines[i])
        closing = [j for j in range(i + 1, len(lines)) if _BORDER.match(lines[j])] if border else []
        if not border or len(closing) < 2:
            out.append(lines[i])
            i += 1
            continue
        spans = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[i])]
        starts = [start for start, _ in spans]

        def cells(row: str, starts: list[int] = starts) -> list[str]:
            bounds = [*starts[1:], max(len(row), starts[-1]) + 1]
            return [row[s:e].strip() for s, e in zip(starts, bounds, strict=True)]

        header_end, table_end = closing[0], closing[1]
        header = [" ".join(filter(None, col)) for col in zip(*(cells(r) for r in lines[i + 1 : header_end]), strict=True)]
        out.append("")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for row in lines[header_end + 1 : table_end]:
            if row.strip():
                out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |")
        out.append("")
        i = table_end + 1
    return "\n".join(out)


def _rewrite(obj: Any, text: str) -> str:
    text = _tables(text)
    text = re.sub(r"(?m)(\S)::$", r"\1:", text)
    return _ROLE.sub(lambda m: _role(obj, m), text)


class SphinxRolesToMarkdown(griffe.Extension):
    """Rewrite the docstrings of the SDK and the emulator once both are loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.path not in _ROOTS:
            return
        seen: set[int] = set()

        def walk(obj: Any) -> None:
            if id(obj) in seen or obj.is_alias:
                return
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = _rewrite(obj, obj.docstring.value)
            for member in list(obj.members.values()):
                walk(member)

        walk(pkg)
