"""Write ``composio_router/_sync.py``, the blocking facade, from the async classes.

    python scripts/generate_sync.py          # (re)write the file
    python scripts/generate_sync.py --check  # exit 1 with a diff if it is stale

How it works. The generator reads the package's SOURCE with :mod:`ast` (it imports
nothing from the package): every public top-level module is scanned for public
classes named ``Async<Name>`` that define coroutine methods or async generators.
Each gets a twin ``<Name>`` in ``_sync.py``, derived member by member:

* ``async def m`` becomes ``def m`` with the same parameters, defaults and docstring,
  running ``self._async.m(...)`` on the client's portal; an async generator becomes
  a generator (:meth:`PortalManager.iterate`); ``__aenter__``/``__aexit__`` become
  ``__enter__``/``__exit__`` and ``aclose`` becomes ``close``.
* A class with ``aclose`` is a client: its twin's ``__init__`` takes exactly the
  async ``__init__``'s parameters, builds the async client and owns the portal. The
  other twins are built by the facade around the async objects it returns.
* ``@property`` and plain public methods are delegated; public instance attributes
  (``self.x = ...`` in any method) become read-only properties, typed from their
  annotation, the parameter they are assigned from, or the class they construct.
* Annotations and defaults are copied as source text, with ``Async<Name>`` renamed to
  its twin and ``AsyncIterator``/``AsyncIterable`` to ``Iterator``/``Iterable``;
  values of twin types are wrapped, and every name the text uses is imported from
  where the async module imports it (under ``TYPE_CHECKING`` when only annotations
  need it).

Anything it cannot translate faithfully (an unknown decorator or async dunder, a twin
type nested somewhere it cannot wrap, an attribute whose type it cannot tell) stops
the generator with a message naming the member, rather than producing a facade that
silently differs from the async API.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import difflib
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "composio_router"
PACKAGE_DIR = ROOT / PACKAGE
OUTPUT = PACKAGE_DIR / "_sync.py"
LINE_LENGTH = 100
INDENT = "    "

# Async protocol types and their blocking counterparts (name -> (name, module)).
PROTOCOL_MAP = {
    "AsyncIterator": ("Iterator", "collections.abc"),
    "AsyncIterable": ("Iterable", "collections.abc"),
}
# Dunders that have a blocking spelling; aclose is handled by the client rule.
DUNDER_MAP = {"__aenter__": "__enter__", "__aexit__": "__exit__", "__aiter__": "__iter__"}
# Async protocol dunders: mirrored when DUNDER_MAP knows a blocking spelling, else refused.
ASYNC_DUNDERS = {"__aenter__", "__aexit__", "__aiter__", "__anext__", "__await__"}
# Members handled outside the member loop, or deliberately not mirrored.
SKIPPED = {"__init__", "__repr__"}
MODULE_DOC = '''"""Blocking twins of the async API: ``Composio``, ``Session``, ``Sessions``, ``ConnectionRequest``.

Each method runs the async core on the client's background event loop (see
:mod:`composio_router._portal`), so the behaviour, errors and concurrency are those of
the async classes. Never edit this file: change the async classes and regenerate.
"""'''


class GeneratorError(Exception):
    """The async surface has something this generator cannot mirror faithfully."""


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Ref:
    """Where a name comes from: ``from module import attr`` or ``import module``."""

    module: str
    attr: str | None  # None: a module import (``import aiohttp``)


@dataclass
class SourceModule:
    name: str  # composio_router.session
    path: Path
    text: str
    tree: ast.Module
    names: dict[str, Ref]


@dataclass
class SourceClass:
    module: SourceModule
    node: ast.ClassDef
    twin: str

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_client(self) -> bool:
        return any(_is_function(n) and n.name == "aclose" for n in self.node.body)


def _is_function(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)


def _resolve(module: str, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")[:-level]
    return ".".join([*base, *([target] if target else [])])


def _module_names(module: str, tree: ast.Module) -> dict[str, Ref]:
    """Every name a module binds at top level (imports included, TYPE_CHECKING ones too)."""
    names: dict[str, Ref] = {}

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, node.level, node.module)
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = Ref(source, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = Ref(alias.name, None)
                    else:
                        top = alias.name.split(".")[0]
                        names[top] = Ref(top, None)
            elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                names[node.name] = Ref(module, node.name)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names[target.id] = Ref(module, target.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names[node.target.id] = Ref(module, node.target.id)
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return names


def _has_async_members(node: ast.ClassDef) -> bool:
    return any(isinstance(n, ast.AsyncFunctionDef) for n in node.body)


def discover(package_dir: Path = PACKAGE_DIR) -> list[SourceClass]:
    """Public ``Async*`` classes with async members, in the package's public modules."""
    found: list[SourceClass] = []
    for path in sorted(package_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        module = SourceModule(f"{PACKAGE}.{path.stem}", path, text, tree, {})
        module.names = _module_names(module.name, tree)
        for node in tree.body:
            if (
                isinstance(node, ast.ClassDef)
                and re.fullmatch(r"Async[A-Z]\w*", node.name)
                and _has_async_members(node)
            ):
                found.append(SourceClass(module, node, node.name.removeprefix("Async")))
    return found


# --------------------------------------------------------------------------- imports


@dataclass
class Imports:
    bound: dict[str, Ref] = field(default_factory=dict)
    at_runtime: set[str] = field(default_factory=set)

    def add(self, name: str, ref: Ref, *, runtime: bool) -> None:
        previous = self.bound.setdefault(name, ref)
        if previous != ref:
            if previous.attr is None or previous.attr != ref.attr:
                raise GeneratorError(
                    f"{name!r} means {previous} in one async module and {ref} in another"
                )
            # One object imported from two places (a re-export): use the most public path.
            self.bound[name] = min(previous, ref, key=_publicness)
        if runtime:
            self.at_runtime.add(name)

    def render(self) -> str:
        froms: tuple[dict[str, set[str]], dict[str, set[str]]] = ({}, {})
        modules: tuple[set[str], set[str]] = (set(), set())
        for name, ref in self.bound.items():
            if ref.module == "__future__":
                continue
            which = 0 if name in self.at_runtime else 1
            if ref.attr is None:
                modules[which].add(ref.module)
            else:
                froms[which].setdefault(ref.module, set()).add(ref.attr)
        runtime_blocks = _import_lines(froms[0], modules[0], "")
        typing_blocks = _import_lines(froms[1], modules[1], INDENT)
        out = "\n\n".join("\n".join(block) for block in runtime_blocks if block)
        if any(typing_blocks):
            body = "\n\n".join("\n".join(block) for block in typing_blocks if block)
            out += "\n\nif TYPE_CHECKING:\n" + "\n".join(
                INDENT + line if line else "" for line in body.splitlines()
            )
        return out


def _publicness(ref: Ref) -> tuple[int, int, str]:
    parts = ref.module.split(".")
    return (sum(p.startswith("_") for p in parts), len(parts), ref.module)


def _import_kind(module: str) -> int:
    if module.startswith(PACKAGE):
        return 2
    if module == "__future__":
        return -1
    return 0 if module.split(".")[0] in sys.stdlib_module_names else 1


def _import_lines(froms: dict[str, set[str]], modules: set[str], indent: str) -> list[list[str]]:
    blocks: list[list[str]] = [[], [], []]
    entries: list[tuple[int, str, str]] = []
    for module in modules:
        entries.append((_import_kind(module), module, f"import {module}"))
    for module, attrs in froms.items():
        shown = (
            "." + module.removeprefix(PACKAGE + ".") if module.startswith(PACKAGE + ".") else module
        )
        names = sorted(attrs, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
        line = f"from {shown} import {', '.join(names)}"
        if len(indent + line) > LINE_LENGTH:
            line = f"from {shown} import (\n" + "".join(f"{INDENT}{n},\n" for n in names) + ")"
        entries.append((_import_kind(module), module, line))
    # isort style (as ruff's "I" rule): plain imports before from-imports within a section.
    for kind, _module, line in sorted(
        entries, key=lambda e: (e[0], not e[2].startswith("import "), e[1])
    ):
        blocks[max(kind, 0)].append(line)
    return blocks


# --------------------------------------------------------------------------- text helpers


def _segment(module: SourceModule, node: ast.AST) -> str:
    text = ast.get_source_segment(module.text, node)
    if text is None:
        raise GeneratorError(f"no source text for a node in {module.name}")
    return text


class Translator:
    """Renames async types in annotation/default text and records the names it needs."""

    def __init__(self, classes: list[SourceClass], imports: Imports) -> None:
        self.twins = {c.name: c.twin for c in classes}
        self.imports = imports

    def text(self, module: SourceModule, node: ast.expr, *, runtime: bool, where: str) -> str:
        source = _segment(module, node)
        replacements: list[tuple[int, int, str]] = []
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)
                and any(
                    re.search(rf"\b{name}\b", sub.value) for name in [*self.twins, *PROTOCOL_MAP]
                )
            ):
                raise GeneratorError(f"{where}: a quoted annotation names an async type: {source}")
            if not isinstance(sub, ast.Name):
                continue
            new = sub.id
            if sub.id in self.twins:
                new = self.twins[sub.id]
            elif sub.id in PROTOCOL_MAP:
                new, home = PROTOCOL_MAP[sub.id]
                self.imports.add(new, Ref(home, new), runtime=runtime)
            else:
                self._need(module, sub.id, runtime=runtime, where=where)
            if new != sub.id:
                replacements.append(self._span(node, sub, source, new))
        if "\n" in source:  # keep generated signatures on their own lines: unparse instead
            return ast.unparse(
                _Renamer(self.twins).visit(ast.parse(source.strip(), mode="eval")).body
            )
        for start, end, new in sorted(replacements, reverse=True):
            source = source[:start] + new + source[end:]
        return source

    @staticmethod
    def _span(root: ast.expr, sub: ast.Name, source: str, new: str) -> tuple[int, int, str]:
        if sub.lineno != root.lineno:
            return (0, 0, "")  # multi-line text is unparsed instead
        start = sub.col_offset - root.col_offset
        end = start + len(sub.id)
        assert source[start:end] == sub.id
        return (start, end, new)

    def _need(self, module: SourceModule, name: str, *, runtime: bool, where: str) -> None:
        if name in self.twins.values():
            return
        ref = module.names.get(name)
        if ref is None:
            if hasattr(builtins, name):
                return
            raise GeneratorError(f"{where}: cannot tell where {name!r} comes from in {module.name}")
        self.imports.add(name, ref, runtime=runtime)

    def twin_of(self, node: ast.expr | None) -> str | None:
        """The twin class name when ``node`` is exactly an async class name."""
        if isinstance(node, ast.Name) and node.id in self.twins:
            return self.twins[node.id]
        return None

    def mentions_twin(self, node: ast.expr | None) -> bool:
        return node is not None and any(
            isinstance(n, ast.Name) and n.id in self.twins for n in ast.walk(node)
        )

    def wrap(self, node: ast.expr | None, value: str, where: str) -> str | None:
        """Code that turns ``value`` (typed ``node``) into its sync twin; None if no change."""
        if not self.mentions_twin(node):
            return None
        assert node is not None
        twin = self.twin_of(node)
        if twin is not None:
            return f"self._wrap({twin}, {value})"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            for this, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(other, ast.Constant) and other.value is None:
                    inner = self.wrap(this, value, where)
                    if inner is not None:
                        return f"None if {value} is None else {inner}"
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("list", "Sequence")
        ):
            inner = self.wrap(node.slice, "item", where)
            return f"[{inner} for item in {value}]"
        raise GeneratorError(f"{where}: cannot wrap a value of type {ast.unparse(node)}")


class _Renamer(ast.NodeTransformer):
    def __init__(self, twins: dict[str, str]) -> None:
        self.twins = twins

    def visit_Name(self, node: ast.Name) -> ast.Name:
        new = self.twins.get(node.id) or PROTOCOL_MAP.get(node.id, (node.id, ""))[0]
        return ast.copy_location(ast.Name(id=new, ctx=node.ctx), node)


def _rewrite_doc(text: str, twins: dict[str, str]) -> str:
    for old, new in sorted(twins.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"\b{old}\b", new, text)
    text = text.replace("``async with ", "``with ").replace("``await ", "``")
    # "The async Tool Router client" -> "The blocking ..."; leave `async def` and friends.
    text = re.sub(r"(?<![`\w])([Tt]he) async (?!def\b|with\b|for\b)", r"\1 blocking ", text)
    return re.sub(r":meth:`aclose`", ":meth:`close`", text)


def _docstring(
    module: SourceModule, body: list[ast.stmt], indent: str, twins: dict[str, str]
) -> list[str]:
    if not body:
        return []
    first = body[0]
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return []
    return _doc_lines(module, first, indent, twins)


def _doc_lines(
    module: SourceModule, stmt: ast.Expr, indent: str, twins: dict[str, str]
) -> list[str]:
    raw = _segment(module, stmt.value)
    lines = _rewrite_doc(raw, twins).splitlines()
    shift = len(indent) - stmt.col_offset
    out = [indent + lines[0]]
    for line in lines[1:]:
        if not line.strip():
            out.append("")
        elif shift >= 0:
            out.append(" " * shift + line)
        else:
            out.append(line[-shift:] if line[:-shift].strip() == "" else line.lstrip())
    return out


def _joined(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """``head(items)tail`` on one line if it fits, else one item per line (magic trailing comma)."""
    one = f"{indent}{head}{', '.join(items)}{tail}"
    if len(one) <= LINE_LENGTH or not items:
        return [one]
    inner = indent + INDENT
    return [
        f"{indent}{head}",
        *(f"{inner}{item}," for item in items),
        f"{indent}{tail.lstrip(', ')}",
    ]


# --------------------------------------------------------------------------- members


@dataclass
class Signature:
    params: list[str]  # rendered, "self" first
    forward: list[str]  # the call's arguments
    returns: str | None  # rendered return annotation


def _signature(
    tr: Translator, cls: SourceClass, fn: ast.FunctionDef | ast.AsyncFunctionDef
) -> Signature:
    module, args, where = cls.module, fn.args, f"{cls.name}.{fn.name}"
    params: list[str] = []
    forward: list[str] = []

    def render(arg: ast.arg, default: ast.expr | None) -> str:
        text = arg.arg
        if arg.annotation is not None:
            text += ": " + tr.text(module, arg.annotation, runtime=False, where=where)
        if tr.mentions_twin(arg.annotation):
            raise GeneratorError(
                f"{where}: parameter {arg.arg} takes an async object; not supported yet"
            )
        if default is not None:
            sep = " = " if arg.annotation is not None else "="
            text += sep + tr.text(module, default, runtime=True, where=where)
        return text

    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(
        args.defaults
    )
    for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        params.append(render(arg, default))
        if i > 0:
            forward.append(arg.arg)
        if args.posonlyargs and i == len(args.posonlyargs) - 1:
            params.append("/")
    if args.vararg is not None:
        params.append("*" + render(args.vararg, None))
        forward.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        params.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(render(arg, kw_default))
        forward.append(f"{arg.arg}={arg.arg}")
    if args.kwarg is not None:
        params.append("**" + render(args.kwarg, None))
        forward.append("**" + args.kwarg.arg)
    if not positional or positional[0].arg != "self":
        raise GeneratorError(f"{where}: expected an instance method")
    returns = None
    if fn.returns is not None:
        returns = tr.text(module, fn.returns, runtime=False, where=where)
    return Signature(params, forward, returns)


def _is_generator(fn: ast.AsyncFunctionDef) -> bool:
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _decorators(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [ast.unparse(d) for d in fn.decorator_list]


def _iterated_type(tr: Translator, node: ast.expr | None, where: str) -> ast.expr:
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id in PROTOCOL_MAP
    ):
        return node.slice
    raise GeneratorError(
        f"{where}: annotate async iterators as AsyncIterator[X] or AsyncIterable[X]"
    )


def _def(name: str, sig: Signature, indent: str, returns: str | None = None) -> list[str]:
    ret = returns if returns is not None else sig.returns
    tail = f") -> {ret}:" if ret is not None else "):"
    return _joined(f"def {name}(", sig.params, tail, indent)


def _call_lines(prefix: str, target: str, args: list[str], indent: str) -> list[str]:
    return _joined(f"{prefix}(", [target, *args] if target else args, ")", indent)


@dataclass
class Member:
    order: int
    lines: list[str]


def _is_self_return(fn: ast.AsyncFunctionDef) -> bool:
    body = [
        s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    return (
        len(body) == 1
        and isinstance(body[0], ast.Return)
        and isinstance(body[0].value, ast.Name)
        and body[0].value.id == "self"
    )


def _is_aclose_only(fn: ast.AsyncFunctionDef) -> bool:
    body = [
        s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    if (
        len(body) != 1
        or not isinstance(body[0], ast.Expr)
        or not isinstance(body[0].value, ast.Await)
    ):
        return False
    call = body[0].value.value
    return (
        isinstance(call, ast.Call)
        and not call.args
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "aclose"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "self"
    )


def _method(
    tr: Translator, cls: SourceClass, fn: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[str]:
    where = f"{cls.name}.{fn.name}"
    twins = tr.twins
    if fn.decorator_list:
        raise GeneratorError(
            f"{where}: decorators {_decorators(fn)} are not supported on mirrored methods"
        )
    name = DUNDER_MAP.get(fn.name, fn.name)
    if name in ASYNC_DUNDERS:
        raise GeneratorError(f"{where}: no blocking spelling known for {fn.name}")
    sig = _signature(tr, cls, fn)
    ind, body_ind = INDENT, INDENT * 2
    doc = _docstring(cls.module, fn.body, body_ind, twins)
    async_method = f"self._async.{fn.name}"
    if fn.name == "__aenter__":
        if not isinstance(fn, ast.AsyncFunctionDef) or not _is_self_return(fn):
            raise GeneratorError(f"{where}: only `return self` is supported in __aenter__")
        return [*_def(name, sig, ind), *doc, f"{body_ind}return self"]
    if fn.name == "__aexit__":
        if not cls.is_client or not isinstance(fn, ast.AsyncFunctionDef) or not _is_aclose_only(fn):
            raise GeneratorError(f"{where}: only `await self.aclose()` is supported in __aexit__")
        return [*_def(name, sig, ind), *doc, f"{body_ind}self.close()"]

    iterates = (isinstance(fn, ast.AsyncFunctionDef) and _is_generator(fn)) or (
        isinstance(fn, ast.FunctionDef)
        and isinstance(fn.returns, ast.Subscript)
        and isinstance(fn.returns.value, ast.Name)
        and fn.returns.value.id in PROTOCOL_MAP
    )
    if iterates:
        item_type = _iterated_type(tr, fn.returns, where)
        wrap = tr.wrap(item_type, "item", where)
        call = _call_lines("self._portal.iterate", async_method, sig.forward, "")
        if wrap is None:
            body = _prefixed(f"{body_ind}return ", call)
        else:
            body = _prefixed(f"{body_ind}return ({wrap} for item in ", call, ")")
        return [*_def(name, sig, ind), *doc, *body]
    if isinstance(fn, ast.AsyncFunctionDef):
        call = _call_lines("self._portal.call", async_method, sig.forward, "")
    else:
        call = _call_lines(async_method, "", sig.forward, "")
    wrap = tr.wrap(fn.returns, "result", where)
    if wrap is None:
        body = _prefixed(f"{body_ind}return ", call)
    else:
        body = [*_prefixed(f"{body_ind}result = ", call), f"{body_ind}return {wrap}"]
    return [*_def(name, sig, ind), *doc, *body]


def _prefixed(prefix: str, call: list[str], suffix: str = "") -> list[str]:
    """Put a call's lines after ``prefix``, re-flowing them if the joined line is too long."""
    if len(call) == 1:
        line = prefix + call[0] + suffix
        if len(line) <= LINE_LENGTH:
            return [line]
        head, _, rest = call[0].partition("(")
        items = _split_top_level(rest[:-1])
        indent = prefix[: len(prefix) - len(prefix.lstrip())]
        return _joined(prefix.lstrip() + head + "(", items, ")" + suffix, indent)
    indent = prefix[: len(prefix) - len(prefix.lstrip())]
    return [prefix + call[0], *(indent + line for line in call[1:-1]), indent + call[-1] + suffix]


def _split_top_level(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        items.append(current.strip())
    return items


def _property(tr: Translator, cls: SourceClass, fn: ast.FunctionDef) -> list[str]:
    where = f"{cls.name}.{fn.name}"
    ind, body_ind = INDENT, INDENT * 2
    doc = _docstring(cls.module, fn.body, body_ind, tr.twins)
    returns = tr.text(cls.module, fn.returns, runtime=False, where=where) if fn.returns else None
    if returns is None:
        raise GeneratorError(f"{where}: properties need a return annotation")
    value = f"self._async.{fn.name}"
    twin = tr.twin_of(fn.returns)
    if twin is not None:
        expr = f'self._attribute_twin("{fn.name}", {twin}, {value})'
    else:
        expr = tr.wrap(fn.returns, value, where) or value
    return [
        f"{ind}@property",
        f"{ind}def {fn.name}(self) -> {returns}:",
        *doc,
        f"{body_ind}return {expr}",
    ]


@dataclass
class Attribute:
    name: str
    annotation: ast.expr
    doc: ast.Expr | None
    order: int


def _attributes(tr: Translator, cls: SourceClass, taken: set[str]) -> list[Attribute]:
    """Public ``self.x = ...`` attributes, typed from what the source says about them."""
    found: dict[str, Attribute] = {}
    unresolved: dict[str, str] = {}
    order = 0
    for fn in cls.node.body:
        if not _is_function(fn):
            continue
        assert isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        params = {
            a.arg: a.annotation for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        }
        stmts = list(_own_statements(fn.body))
        for i, stmt in enumerate(stmts):
            target, value, annotation = None, None, None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                target, value, annotation = stmt.target, stmt.value, stmt.annotation
            if not (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and not target.attr.startswith("_")
                and target.attr not in taken
            ):
                continue
            name = target.attr
            if (
                annotation is None
                and isinstance(value, ast.Name)
                and params.get(value.id) is not None
            ):
                annotation = params[value.id]
            if (
                annotation is None
                and isinstance(value, ast.Call)
                and tr.twin_of(value.func) is not None
            ):
                annotation = value.func
            nxt = stmts[i + 1] if i + 1 < len(stmts) else None
            doc = (
                nxt
                if isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
                else None
            )
            if annotation is None:
                unresolved.setdefault(name, f"{cls.name}.{fn.name}")
                continue
            if name not in found:
                found[name] = Attribute(name, annotation, doc, order)
                order += 1
            elif found[name].doc is None and doc is not None:
                found[name].doc = doc
    missing = sorted(set(unresolved) - set(found))
    if missing:
        where = ", ".join(f"self.{n} in {unresolved[n]}" for n in missing)
        raise GeneratorError(f"cannot tell the type of {where}: annotate the assignment")
    return sorted(found.values(), key=lambda a: a.order)


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a function body, nested blocks included, nested functions excluded."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _own_statements(getattr(stmt, name, []) or [])
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _own_statements(handler.body)


def _attribute_property(tr: Translator, cls: SourceClass, attr: Attribute) -> list[str]:
    where = f"{cls.name}.{attr.name}"
    ind, body_ind = INDENT, INDENT * 2
    returns = tr.text(cls.module, attr.annotation, runtime=False, where=where)
    doc = _doc_lines(cls.module, attr.doc, body_ind, tr.twins) if attr.doc is not None else []
    value = f"self._async.{attr.name}"
    twin = tr.twin_of(attr.annotation)
    if twin is not None:
        expr = f'self._attribute_twin("{attr.name}", {twin}, {value})'
    else:
        expr = tr.wrap(attr.annotation, value, where) or value
    return [
        f"{ind}@property",
        f"{ind}def {attr.name}(self) -> {returns}:",
        *doc,
        f"{body_ind}return {expr}",
    ]


def _client_members(tr: Translator, cls: SourceClass) -> dict[str, list[str]]:
    """``__init__`` with the async client's parameters, and ``close``."""
    ind, body_ind = INDENT, INDENT * 2
    init = next(
        (n for n in cls.node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    aclose = next(n for n in cls.node.body if _is_function(n) and n.name == "aclose")
    assert isinstance(aclose, ast.AsyncFunctionDef | ast.FunctionDef)
    tr.imports.add(cls.name, Ref(cls.module.name, cls.name), runtime=True)
    members: dict[str, list[str]] = {}
    if init is not None:
        sig = _signature(tr, cls, init)
        build = _prefixed(f"{body_ind}async_client = ", _call_lines(cls.name, "", sig.forward, ""))
        members["__init__"] = [
            *_def("__init__", sig, ind, returns="None"),
            *_docstring(cls.module, init.body, body_ind, tr.twins),
            *build,
            f"{body_ind}portal = PortalManager(",
            f"{body_ind}{INDENT}async_client.aclose,",
            # Forget the parent's connection pool in a forked child (see _portal).
            f"{body_ind}{INDENT}on_fork=async_client._transport.reset_after_fork,",
            f'{body_ind}{INDENT}name="composio-router-portal",',
            f"{body_ind})",
            f"{body_ind}super().__init__(async_client, portal)",
            f"{body_ind}portal.watch(self)",
        ]
    sig = _signature(tr, cls, aclose)
    members["aclose"] = [
        *_def("close", sig, ind),
        *_docstring(cls.module, aclose.body, body_ind, tr.twins),
        f"{body_ind}self._portal.close()",
    ]
    return members


def generate_class(tr: Translator, cls: SourceClass) -> str:
    node, ind = cls.node, INDENT
    tr.imports.add(cls.name, Ref(cls.module.name, cls.name), runtime=True)
    lines = [f"class {cls.twin}(SyncTwin[{cls.name}]):"]
    doc = _docstring(cls.module, node.body, ind, tr.twins)
    lines.extend(doc)
    members: list[list[str]] = []
    client = _client_members(tr, cls) if cls.is_client else {}
    if "__init__" in client:
        members.append(client["__init__"])
    taken = {n.name for n in node.body if _is_function(n)}
    for attr in _attributes(tr, cls, taken):
        members.append(_attribute_property(tr, cls, attr))
    for fn in node.body:
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        public = not fn.name.startswith("_") or fn.name in ASYNC_DUNDERS
        if fn.name in SKIPPED or not public:
            continue
        if fn.name in client:
            members.append(client[fn.name])
            continue
        decorators = _decorators(fn)
        if isinstance(fn, ast.FunctionDef) and decorators == ["property"]:
            members.append(_property(tr, cls, fn))
        elif any(d.endswith(".setter") for d in decorators):
            raise GeneratorError(f"{cls.name}.{fn.name}: property setters are not mirrored yet")
        else:
            members.append(_method(tr, cls, fn))
    if any(_is_function(n) and n.name == "__repr__" for n in node.body):
        members.append([f"{ind}def __repr__(self) -> str:", f"{ind * 2}return self._twin_repr()"])
    if not doc and not members:
        lines.append(f"{ind}pass")
    for member in members:
        lines.append("")
        lines.extend(member)
    return "\n".join(lines)


# --------------------------------------------------------------------------- the file


def render(package_dir: Path = PACKAGE_DIR) -> str:
    classes = discover(package_dir)
    if not classes:
        raise GeneratorError("no public Async* classes with async members found")
    imports = Imports()
    imports.add("annotations", Ref("__future__", "annotations"), runtime=True)
    imports.add("TYPE_CHECKING", Ref("typing", "TYPE_CHECKING"), runtime=True)
    imports.add("Any", Ref("typing", "Any"), runtime=False)
    imports.add("PortalManager", Ref(f"{PACKAGE}._portal", "PortalManager"), runtime=True)
    imports.add("SyncTwin", Ref(f"{PACKAGE}._portal", "SyncTwin"), runtime=True)
    tr = Translator(classes, imports)
    # Dependencies first is not needed (annotations are lazy); keep a stable, readable order:
    # clients first, then by name.
    ordered = sorted(classes, key=lambda c: (not c.is_client, c.twin))
    bodies = [generate_class(tr, c) for c in ordered]
    sources = sorted({c.module.name for c in classes})
    header = (
        f"# GENERATED by scripts/generate_sync.py from {', '.join(sources)}"
        " — do not edit by hand; run `nox -s generate`."
    )
    future = "from __future__ import annotations"
    names = sorted(c.twin for c in classes)
    all_line = f"__all__ = [{', '.join(repr(n).replace(chr(39), chr(34)) for n in names)}]"
    if len(all_line) > LINE_LENGTH:
        all_line = "__all__ = [\n" + "".join(f'{INDENT}"{n}",\n' for n in names) + "]"
    parts = [header, MODULE_DOC, future, imports.render(), all_line, *bodies]
    text = "\n".join([parts[0], parts[1], "", parts[2], "", parts[3], "", parts[4]])
    for body in bodies:
        text += "\n\n\n" + body
    return text + "\n"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 with a diff if the file is stale"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help=argparse.SUPPRESS)
    options = parser.parse_args(list(argv) if argv is not None else None)
    try:
        text = render()
    except GeneratorError as exc:
        print(f"generate_sync: {exc}", file=sys.stderr)
        return 2
    target: Path = options.output
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if options.check:
        if current == text:
            return 0
        rel = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        sys.stdout.writelines(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{rel} (committed)",
                tofile=f"{rel} (generated)",
            )
        )
        print(
            f"\n{rel} is stale: run `nox -s generate` (python scripts/generate_sync.py)",
            file=sys.stderr,
        )
        return 1
    if current != text:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
