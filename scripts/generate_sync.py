"""Write ``composio_router/_sync.py``, the blocking facade, from the async classes.

    python scripts/generate_sync.py          # (re)write the file
    python scripts/generate_sync.py --check  # exit 1 with a diff if it is stale

How it works. The generator reads the package's SOURCE with :mod:`ast` (it imports
nothing from the package): every public top-level module is scanned for public
classes named ``Async<Name>`` that define coroutine methods or async generators, or
that hand out such a class (a public attribute or property typed with it: without a
twin, the facade would pass the async object on). Each gets a twin ``<Name>`` in
``_sync.py``, derived member by member:

* ``async def m`` becomes ``def m`` with the same parameters (``*args`` and
  ``**kwargs: Unpack[SomeTypedDict]`` included), defaults and docstring, running
  ``self._async.m(...)`` on the client's portal; an async generator becomes a generator
  (:meth:`PortalManager.iterate`); ``__aenter__``/``__aexit__`` become
  ``__enter__``/``__exit__`` and ``aclose`` becomes ``close``.
* A class with ``aclose`` is a client: its twin's ``__init__`` takes exactly the
  async ``__init__``'s parameters, builds the async client and owns the portal. The
  other twins are built by the facade around the async objects it returns.
* ``@property`` and plain public methods are delegated; public instance attributes
  (``self.x = ...`` in any method) become read-only properties, typed from their
  annotation, the parameter they are assigned from, or the class they construct.
* Annotations and defaults are copied as source text, with ``Async<Name>`` renamed to
  its twin and ``AsyncIterator``/``AsyncIterable`` to ``Iterator``/``Iterable``;
  values of twin types are wrapped (in a union with other types, the twin member is
  told apart with ``isinstance``), and every name the text uses is imported from
  where the async module imports it (under ``TYPE_CHECKING`` when only annotations
  need it).

Anything it cannot translate faithfully stops the generator with a message naming
the member, rather than producing a facade that silently differs from the async API:
an unknown decorator or async dunder, a twin type nested somewhere it cannot wrap,
taken as a parameter or naming a client (only a client's own ``__init__`` builds its
twin), an attribute whose type it cannot tell, a quoted annotation naming an async
type, a name whose origin it cannot find.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "composio_router"
PACKAGE_DIR = ROOT / PACKAGE
OUTPUT = PACKAGE_DIR / "_sync.py"
LINE_LENGTH = 100
INDENT = "    "
BODY = INDENT * 2  # a method body

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

Function = ast.FunctionDef | ast.AsyncFunctionDef  # a method, either kind


class GeneratorError(Exception):
    """The async surface has something this generator cannot mirror faithfully."""


# --------------------------------------------------------------------------- reading source


@dataclass(frozen=True)
class Ref:
    """Where a name comes from: ``from module import attr`` or ``import module``."""

    module: str
    attr: str | None  # None: a module import (``import aiohttp``)


class Source:
    """One parsed module: the names it binds, and the exact source text of its nodes."""

    def __init__(self, name: str, path: Path, data: bytes) -> None:
        self.name = name  # composio_router.session
        self.data = data
        self.tree = ast.parse(data, filename=str(path))
        self.names = _module_names(name, self.tree.body)
        # Node positions are (line, UTF-8 byte column): find where each line starts once.
        # (ast.get_source_segment re-splits the whole file on every call: that was 95% of
        # the run time.) Line ends are those of the tokenizer, as in get_source_segment.
        self.line_starts = [0, *(m.end() for m in re.finditer(rb"\r\n?|\n", self.data))]

    def span(self, node: ast.expr) -> tuple[int, int]:
        """Byte offsets of ``node``'s text in :attr:`data`."""
        assert node.end_lineno is not None and node.end_col_offset is not None  # parsed nodes
        return (
            self.line_starts[node.lineno - 1] + node.col_offset,
            self.line_starts[node.end_lineno - 1] + node.end_col_offset,
        )

    def segment(self, node: ast.expr) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode()


def _module_names(module: str, body: list[ast.stmt]) -> dict[str, Ref]:
    """Every name a module binds at top level (imports included, TYPE_CHECKING ones too)."""
    names: dict[str, Ref] = {}
    for node in body:
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node.level, node.module)
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = Ref(source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = Ref(alias.name, None)
                else:  # `import a.b` binds `a`
                    top = alias.name.split(".")[0]
                    names[top] = Ref(top, None)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names[node.name] = Ref(module, node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[target.id] = Ref(module, target.id)
        elif isinstance(node, ast.If | ast.Try):
            blocks = [node.body, node.orelse]
            if isinstance(node, ast.Try):
                blocks += [handler.body for handler in node.handlers]
            for block in blocks:
                names.update(_module_names(module, block))
    return names


def _absolute(module: str, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import ...`` inside ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".")[:-level]
    return ".".join([*base, *([target] if target else [])])


@dataclass
class SourceClass:
    source: Source
    node: ast.ClassDef
    twin: str  # the blocking class's name

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def functions(self) -> list[Function]:
        return [n for n in self.node.body if isinstance(n, Function)]

    @property
    def is_client(self) -> bool:
        return any(fn.name == "aclose" for fn in self.functions)


def discover(package_dir: Path = PACKAGE_DIR) -> list[SourceClass]:
    """Public ``Async*`` classes that need a twin, in the package's public modules.

    A class needs one when it has async members, or when it hands out objects that need
    one (a public attribute or property typed with such a class): otherwise the facade
    would hand the async object out, and its coroutines with it.
    """
    candidates: list[SourceClass] = []
    for path in sorted(package_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        data = path.read_bytes()
        if not re.search(rb"^class Async[A-Z]", data, re.MULTILINE):
            continue  # parsing is most of the run time: skip modules that cannot qualify
        source = Source(f"{PACKAGE}.{path.stem}", path, data)
        for node in source.tree.body:
            if isinstance(node, ast.ClassDef) and re.fullmatch(r"Async[A-Z]\w*", node.name):
                candidates.append(SourceClass(source, node, node.name.removeprefix("Async")))
    needed = {
        c.name for c in candidates if any(isinstance(n, ast.AsyncFunctionDef) for n in c.node.body)
    }
    grew = True
    while grew:  # a holder of a holder needs a twin too
        grew = False
        for c in candidates:
            if c.name not in needed and _hands_out(c.node) & needed:
                needed.add(c.name)
                grew = True
    return [c for c in candidates if c.name in needed]


def _hands_out(cls: ast.ClassDef) -> set[str]:
    """The names in the types of a class's public properties and ``self.x`` attributes."""
    names: set[str] = set()

    def mention(node: ast.expr | None) -> None:
        if node is not None:
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))

    for fn in cls.body:
        if not isinstance(fn, Function):
            continue
        if [ast.unparse(d) for d in fn.decorator_list] == ["property"] and not fn.name.startswith("_"):
            mention(fn.returns)
        params = {a.arg: a.annotation for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
        for stmt in _own_statements(fn.body):
            target = stmt.target if isinstance(stmt, ast.AnnAssign) else (
                stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
            )
            if not (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and not target.attr.startswith("_")
            ):
                continue
            assert isinstance(stmt, ast.Assign | ast.AnnAssign)
            if isinstance(stmt, ast.AnnAssign):
                mention(stmt.annotation)
            if isinstance(stmt.value, ast.Name):
                mention(params.get(stmt.value.id))
            elif isinstance(stmt.value, ast.Call):
                mention(stmt.value.func)
    return names


# --------------------------------------------------------------------------- imports


class Imports:
    """The names the generated file uses, where each comes from, and which it needs at run
    time (the others are imported under ``TYPE_CHECKING``: annotations are lazy)."""

    def __init__(self) -> None:
        self.bound: dict[str, Ref] = {}
        self.at_runtime: set[str] = set()

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
        runtime = [ref for name, ref in self.bound.items() if name in self.at_runtime]
        typing = [ref for name, ref in self.bound.items() if name not in self.at_runtime]
        text = _import_block(runtime, "")
        if typing:
            text += "\n\nif TYPE_CHECKING:\n" + _import_block(typing, INDENT)
        return text


def _publicness(ref: Ref) -> tuple[int, int, str]:
    parts = ref.module.split(".")
    return (sum(p.startswith("_") for p in parts), len(parts), ref.module)


def _import_section(module: str) -> int:
    if module.startswith(PACKAGE):
        return 2
    return 0 if module.split(".")[0] in sys.stdlib_module_names else 1


def _import_block(refs: list[Ref], indent: str) -> str:
    """Import statements as ruff's isort rule wants them: stdlib, third-party, then this
    package, one blank line apart; ``import x`` before ``from x import``; constants, then
    classes, then the rest; a line too long becomes one name per line."""
    froms: dict[str, set[str]] = {}
    lines = [(ref.module, f"import {ref.module}") for ref in refs if ref.attr is None]
    for ref in refs:
        if ref.attr is not None:
            froms.setdefault(ref.module, set()).add(ref.attr)
    for module, attrs in froms.items():
        shown = module
        if module.startswith(PACKAGE + "."):
            shown = "." + module.removeprefix(PACKAGE + ".")
        names = sorted(attrs, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
        line = f"from {shown} import {', '.join(names)}"
        if len(indent + line) > LINE_LENGTH:
            line = f"from {shown} import (\n" + "".join(f"{INDENT}{n},\n" for n in names) + ")"
        lines.append((module, line))
    sections: dict[int, list[str]] = {}
    for module, line in sorted(
        set(lines), key=lambda e: (_import_section(e[0]), not e[1].startswith("import "), e[0])
    ):
        sections.setdefault(_import_section(module), []).append(line)
    text = "\n\n".join("\n".join(section) for section in sections.values())
    return "\n".join(indent + line if line else "" for line in text.splitlines())


# --------------------------------------------------------------------------- translation


class Translator:
    """Turns async source text into blocking source text, recording the imports it needs."""

    def __init__(self, classes: list[SourceClass], imports: Imports) -> None:
        self.twins = {c.name: c.twin for c in classes}
        self.clients = {c.name for c in classes if c.is_client}
        self.imports = imports
        self._async_names = _words([*self.twins, *PROTOCOL_MAP])
        self._twin_names = _words(list(self.twins))

    def text(self, source: Source, node: ast.expr, *, runtime: bool, where: str) -> str:
        """``node``'s source text with async types renamed; ``runtime``: evaluated at run
        time (a default), not only an annotation."""
        start, end = source.span(node)
        edits: list[tuple[int, int, str]] = []
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)
                and self._async_names.search(sub.value)
            ):
                # A string is not renamed: the facade would name the async class.
                raise GeneratorError(
                    f"{where}: a quoted annotation names an async type: {source.segment(node)}"
                )
            if isinstance(sub, ast.Name):
                new = self._rename(source, sub.id, runtime=runtime, where=where)
                if new != sub.id:
                    edits.append((*source.span(sub), new))
        out, done = b"", start
        for at, stop, new in sorted(edits):
            out += source.data[done:at] + new.encode()
            done = stop
        text = (out + source.data[done:end]).decode()
        if "\n" in text or "\r" in text:
            # One line per parameter in the generated signatures: re-render it flat. The
            # parentheses make text like "X\n| None" (continued by the def's own) parse.
            text = ast.unparse(ast.parse(f"({text})", mode="eval").body)
        return text

    def _rename(self, source: Source, name: str, *, runtime: bool, where: str) -> str:
        """The blocking spelling of ``name``, imported from where ``source`` gets it."""
        if name in self.twins:
            return self.twins[name]
        if name in PROTOCOL_MAP:
            new, home = PROTOCOL_MAP[name]
            self.imports.add(new, Ref(home, new), runtime=runtime)
            return new
        if name in self.twins.values():  # defined by the generated file itself
            return name
        ref = source.names.get(name)
        if ref is not None:
            self.imports.add(name, ref, runtime=runtime)
        elif not hasattr(builtins, name):
            raise GeneratorError(f"{where}: cannot tell where {name!r} comes from in {source.name}")
        return name

    def doc(self, text: str) -> str:
        """A docstring's wording for the blocking API."""
        text = self._twin_names.sub(lambda m: self.twins[m[0]], text)
        text = text.replace("``async with ", "``with ").replace("``await ", "``")
        # "The async Tool Router client" -> "The blocking ..."; leave `async def` and friends.
        text = re.sub(r"(?<![`\w])([Tt]he) async (?!def\b|with\b|for\b)", r"\1 blocking ", text)
        return text.replace(":meth:`aclose`", ":meth:`close`")

    def twin_of(self, node: ast.expr | None, where: str) -> str | None:
        """The twin class name when ``node`` is exactly an async class name."""
        if not isinstance(node, ast.Name) or node.id not in self.twins:
            return None
        if node.id in self.clients:  # SyncTwin._wrap would call the client's own __init__
            raise GeneratorError(
                f"{where}: cannot wrap a value of type {node.id}: a client's twin is built"
                " only by its own __init__"
            )
        return self.twins[node.id]

    def mentions_twin(self, node: ast.expr | None) -> bool:
        return node is not None and any(
            isinstance(n, ast.Name) and n.id in self.twins for n in ast.walk(node)
        )

    def wrap(self, node: ast.expr | None, value: str, where: str) -> str | None:
        """Code that turns ``value`` (typed ``node``) into its sync twin; None if no change.

        Handles ``AsyncX``, ``AsyncX | None`` and ``list``/``Sequence`` of those; anything
        else holding a twin type is refused (we cannot reach inside it)."""
        if node is None or not self.mentions_twin(node):
            return None
        twin = self.twin_of(node, where)
        if twin is not None:
            return f"self._wrap({twin}, {value})"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            members = _union_members(node)
            present = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)]
            if len(present) == 1 and len(members) == 2:  # `AsyncX | None`
                inner = self.wrap(present[0], value, where)
                if inner is not None:
                    return f"None if {value} is None else {inner}"
            # `A | AsyncX | None`: wrap the one member that is an async class, told by its type.
            twins = [m for m in members if self.mentions_twin(m)]
            twin = self.twin_of(twins[0], where) if len(twins) == 1 else None
            if twin is not None:
                assert isinstance(twins[0], ast.Name)
                return f"self._wrap({twin}, {value}) if isinstance({value}, {twins[0].id}) else {value}"
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("list", "Sequence")
        ):
            return f"[{self.wrap(node.slice, 'item', where)} for item in {value}]"
        raise GeneratorError(f"{where}: cannot wrap a value of type {ast.unparse(node)}")


def _union_members(node: ast.expr) -> list[ast.expr]:
    """The members of ``A | B | C`` (a left-nested chain of ``|``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_union_members(node.left), *_union_members(node.right)]
    return [node]


def _words(names: list[str]) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, names))})\b")


def _doc_expr(stmt: ast.stmt | None) -> ast.Expr | None:
    """``stmt`` if it is a bare string (a docstring), else None."""
    if (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    ):
        return stmt
    return None


def _doc_lines(tr: Translator, source: Source, stmt: ast.Expr | None, indent: str) -> list[str]:
    """A docstring as written (quotes, escapes), reworded, re-indented to ``indent``."""
    if stmt is None:
        return []
    lines = tr.doc(source.segment(stmt.value)).splitlines()
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


def _docstring(tr: Translator, source: Source, body: list[ast.stmt], indent: str) -> list[str]:
    return _doc_lines(tr, source, _doc_expr(body[0] if body else None), indent)


# --------------------------------------------------------------------------- layout


def _joined(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """``head(items)tail`` on one line if it fits, else one item per line (magic trailing comma)."""
    one = f"{indent}{head}{', '.join(items)}{tail}"
    if len(one) <= LINE_LENGTH or not items:
        return [one]
    return [f"{indent}{head}", *(f"{indent}{INDENT}{item}," for item in items), f"{indent}{tail}"]


def _def(name: str, params: list[str], returns: str | None) -> list[str]:
    tail = f") -> {returns}:" if returns is not None else "):"
    return _joined(f"def {name}(", params, tail, INDENT)


def _call(prefix: str, function: str, args: list[str], suffix: str = "") -> list[str]:
    """A statement of a method body: ``prefix function(args) suffix``."""
    return _joined(f"{prefix}{function}(", args, f"){suffix}", BODY)


# --------------------------------------------------------------------------- members


@dataclass
class Signature:
    params: list[str]  # rendered, "self" first
    forward: list[str]  # the arguments that pass them on
    returns: str | None  # rendered return annotation


def _signature(tr: Translator, cls: SourceClass, fn: Function) -> Signature:
    args, where = fn.args, f"{cls.name}.{fn.name}"
    positional = [*args.posonlyargs, *args.args]
    if not positional or positional[0].arg != "self":
        raise GeneratorError(f"{where}: expected an instance method")

    def param(arg: ast.arg, default: ast.expr | None) -> str:
        if tr.mentions_twin(arg.annotation):
            # The caller would pass a twin where the async method wants the async object.
            raise GeneratorError(
                f"{where}: parameter {arg.arg} takes an async object; not supported yet"
            )
        text = arg.arg
        if arg.annotation is not None:
            text += ": " + tr.text(cls.source, arg.annotation, runtime=False, where=where)
        if default is not None:
            sep = " = " if arg.annotation is not None else "="
            text += sep + tr.text(cls.source, default, runtime=True, where=where)
        return text

    params: list[str] = []
    forward: list[str] = []
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        params.append(param(arg, default))
        if i > 0:
            forward.append(arg.arg)
        if i == len(args.posonlyargs) - 1:
            params.append("/")
    if args.vararg is not None:
        params.append("*" + param(args.vararg, None))
        forward.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        params.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(param(arg, kw_default))
        forward.append(f"{arg.arg}={arg.arg}")
    if args.kwarg is not None:  # `**settings: Unpack[Settings]` is copied like any annotation
        params.append("**" + param(args.kwarg, None))
        forward.append("**" + args.kwarg.arg)
    returns = None
    if _is_async_generator_type(fn.returns):
        # AsyncGenerator[X, None] (what lets callers use contextlib.aclosing): an Iterator[X].
        item = _iterated_type(fn.returns)
        assert item is not None
        tr.imports.add("Iterator", Ref("collections.abc", "Iterator"), runtime=False)
        returns = f"Iterator[{tr.text(cls.source, item, runtime=False, where=where)}]"
    elif fn.returns is not None:
        returns = tr.text(cls.source, fn.returns, runtime=False, where=where)
    return Signature(params, forward, returns)


def _method(tr: Translator, cls: SourceClass, fn: Function) -> list[str]:
    where = f"{cls.name}.{fn.name}"
    if fn.decorator_list:
        raise GeneratorError(
            f"{where}: decorators {_decorators(fn)} are not supported on mirrored methods"
        )
    name = DUNDER_MAP.get(fn.name, fn.name)
    if name in ASYNC_DUNDERS:
        raise GeneratorError(f"{where}: no blocking spelling known for {fn.name}")
    sig = _signature(tr, cls, fn)
    return [
        *_def(name, sig.params, sig.returns),
        *_docstring(tr, cls.source, fn.body, BODY),
        *_method_body(tr, cls, fn, sig.forward, where),
    ]


def _method_body(
    tr: Translator, cls: SourceClass, fn: Function, forward: list[str], where: str
) -> list[str]:
    is_async = isinstance(fn, ast.AsyncFunctionDef)
    target = f"self._async.{fn.name}"
    if fn.name == "__aenter__":
        if not (is_async and _body_is(fn, "return self")):
            raise GeneratorError(f"{where}: only `return self` is supported in __aenter__")
        return [f"{BODY}return self"]
    if fn.name == "__aexit__":
        if not (cls.is_client and is_async and _body_is(fn, "await self.aclose()")):
            raise GeneratorError(f"{where}: only `await self.aclose()` is supported in __aexit__")
        return [f"{BODY}self.close()"]
    item_type = _iterated_type(fn.returns)
    if (is_async and _is_generator(fn)) or (not is_async and item_type is not None):
        if item_type is None:
            raise GeneratorError(
                f"{where}: annotate async iterators as AsyncIterator[X], AsyncIterable[X] "
                "or AsyncGenerator[X, None]"
            )
        wrap = tr.wrap(item_type, "item", where)
        if wrap is None:
            return _call("return ", "self._portal.iterate", [target, *forward])
        return _call(
            f"return ({wrap} for item in ", "self._portal.iterate", [target, *forward], ")"
        )
    function, args = ("self._portal.call", [target, *forward]) if is_async else (target, forward)
    wrap = tr.wrap(fn.returns, "result", where)
    if wrap is None:
        return _call("return ", function, args)
    return [*_call("result = ", function, args), f"{BODY}return {wrap}"]


def _decorators(fn: Function) -> list[str]:
    return [ast.unparse(d) for d in fn.decorator_list]


def _is_async_generator_type(returns: ast.expr | None) -> bool:
    return (
        isinstance(returns, ast.Subscript)
        and isinstance(returns.value, ast.Name)
        and returns.value.id == "AsyncGenerator"
        and isinstance(returns.slice, ast.Tuple)
        and len(returns.slice.elts) == 2
    )


def _iterated_type(returns: ast.expr | None) -> ast.expr | None:
    """``X`` when ``returns`` is ``AsyncIterator[X]``, ``AsyncIterable[X]`` or ``AsyncGenerator[X, _]``."""
    if not isinstance(returns, ast.Subscript) or not isinstance(returns.value, ast.Name):
        return None
    if returns.value.id in PROTOCOL_MAP:
        return returns.slice
    if _is_async_generator_type(returns):
        assert isinstance(returns.slice, ast.Tuple)
        return returns.slice.elts[0]
    return None


def _is_generator(fn: Function) -> bool:
    """Whether ``fn`` itself yields (nested functions and classes do not count)."""
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _body_is(fn: Function, code: str) -> bool:
    """Whether ``fn``'s body is exactly ``code``, docstrings and other bare constants aside."""
    body = [
        s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    return [ast.dump(s) for s in body] == [ast.dump(s) for s in ast.parse(code).body]


def _property(
    tr: Translator, cls: SourceClass, name: str, returns: ast.expr, doc: list[str]
) -> list[str]:
    """A read-only property delegating to the async object's ``name``."""
    where = f"{cls.name}.{name}"
    value = f"self._async.{name}"
    twin = tr.twin_of(returns, where)
    if twin is not None:  # one twin per async object, so `a.x is a.x` holds as in async
        expr = f'self._attribute_twin("{name}", {twin}, {value})'
    else:
        expr = tr.wrap(returns, value, where) or value
    return [
        f"{INDENT}@property",
        f"{INDENT}def {name}(self) -> {tr.text(cls.source, returns, runtime=False, where=where)}:",
        *doc,
        f"{BODY}return {expr}",
    ]


@dataclass
class Attribute:
    annotation: ast.expr
    doc: ast.Expr | None  # the string statement after the first documented assignment


def _attributes(tr: Translator, cls: SourceClass, taken: set[str]) -> dict[str, Attribute]:
    """Public ``self.x = ...`` attributes, typed from what the source says about them."""
    found: dict[str, Attribute] = {}
    unresolved: dict[str, str] = {}  # attribute -> the first method assigning it untyped
    for fn in cls.functions:
        all_args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        params = {a.arg: a.annotation for a in all_args}
        stmts = list(_own_statements(fn.body))
        for stmt, following in zip(stmts, [*stmts[1:], None], strict=True):
            value: ast.expr | None
            annotation: ast.expr | None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value, annotation = stmt.targets[0], stmt.value, None
            elif isinstance(stmt, ast.AnnAssign):
                target, value, annotation = stmt.target, stmt.value, stmt.annotation
            else:
                continue
            if not (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and not target.attr.startswith("_")
                and target.attr not in taken
            ):
                continue
            name = target.attr
            if annotation is None and isinstance(value, ast.Name):
                annotation = params.get(value.id)  # self.x = x, typed by the parameter
            if (
                annotation is None
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in tr.twins
            ):
                annotation = value.func  # self.x = AsyncX(...)
            doc = _doc_expr(following)
            if annotation is None:
                unresolved.setdefault(name, f"{cls.name}.{fn.name}")
            elif name not in found:
                found[name] = Attribute(annotation, doc)
            elif found[name].doc is None:
                found[name].doc = doc
    missing = sorted(set(unresolved) - set(found))
    if missing:
        where = ", ".join(f"self.{n} in {unresolved[n]}" for n in missing)
        raise GeneratorError(f"cannot tell the type of {where}: annotate the assignment")
    return found


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a function body, nested blocks included, nested functions excluded."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _own_statements(getattr(stmt, name, []))
        for handler in getattr(stmt, "handlers", []):
            yield from _own_statements(handler.body)


def _client_init(tr: Translator, cls: SourceClass) -> list[str]:
    """The client's ``__init__``: the async client's parameters; builds it and its portal."""
    init = next((fn for fn in cls.functions if fn.name == "__init__"), None)
    if init is None:
        return []
    sig = _signature(tr, cls, init)
    # A client that takes a default `timeout` hands it to its portal: it also bounds how long a
    # call waits for a loop that has stopped answering (PortalManager).
    names = {a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)}
    timeout = ", timeout=timeout" if "timeout" in names else ""
    return [
        *_def("__init__", sig.params, "None"),
        *_docstring(tr, cls.source, init.body, BODY),
        *_call("async_client = ", cls.name, sig.forward),
        f'{BODY}portal = PortalManager(async_client.aclose, name="composio-router-portal"{timeout})',
        f"{BODY}super().__init__(async_client, portal)",
        f"{BODY}portal.watch(self)",
    ]


def _close(tr: Translator, cls: SourceClass, aclose: Function) -> list[str]:
    """The client's ``close``: stops the portal, which runs ``aclose`` on its loop first."""
    sig = _signature(tr, cls, aclose)
    return [
        *_def("close", sig.params, sig.returns),
        *_docstring(tr, cls.source, aclose.body, BODY),
        f"{BODY}self._portal.close()",
    ]


def generate_class(tr: Translator, cls: SourceClass) -> str:
    tr.imports.add(cls.name, Ref(cls.source.name, cls.name), runtime=True)
    doc = _docstring(tr, cls.source, cls.node.body, INDENT)
    members: list[list[str]] = []
    if cls.is_client:
        members.append(_client_init(tr, cls))
    taken = {fn.name for fn in cls.functions}
    for name, attr in _attributes(tr, cls, taken).items():
        members.append(
            _property(tr, cls, name, attr.annotation, _doc_lines(tr, cls.source, attr.doc, BODY))
        )
    for fn in cls.functions:
        if fn.name in SKIPPED or (fn.name.startswith("_") and fn.name not in ASYNC_DUNDERS):
            continue
        decorators = _decorators(fn)
        if fn.name == "aclose" and cls.is_client:
            members.append(_close(tr, cls, fn))
        elif decorators == ["property"] and isinstance(fn, ast.FunctionDef):
            if fn.returns is None:
                raise GeneratorError(f"{cls.name}.{fn.name}: properties need a return annotation")
            members.append(
                _property(tr, cls, fn.name, fn.returns, _docstring(tr, cls.source, fn.body, BODY))
            )
        elif any(d.endswith(".setter") for d in decorators):
            raise GeneratorError(f"{cls.name}.{fn.name}: property setters are not mirrored yet")
        else:
            members.append(_method(tr, cls, fn))
    if any(fn.name == "__repr__" for fn in cls.functions):
        members.append([f"{INDENT}def __repr__(self) -> str:", f"{BODY}return self._twin_repr()"])
    lines = [f"class {cls.twin}(SyncTwin[{cls.name}]):", *doc]
    if not doc and not any(members):
        lines.append(f"{INDENT}pass")
    for member in members:
        if member:
            lines += ["", *member]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the file


def render(package_dir: Path = PACKAGE_DIR) -> str:
    """The text of ``_sync.py`` for the package at ``package_dir``."""
    classes = discover(package_dir)
    if not classes:
        raise GeneratorError("no public Async* classes with async members found")
    imports = Imports()
    imports.add("TYPE_CHECKING", Ref("typing", "TYPE_CHECKING"), runtime=True)
    imports.add("Any", Ref("typing", "Any"), runtime=False)
    imports.add("PortalManager", Ref(f"{PACKAGE}._portal", "PortalManager"), runtime=True)
    imports.add("SyncTwin", Ref(f"{PACKAGE}._portal", "SyncTwin"), runtime=True)
    tr = Translator(classes, imports)
    # Annotations are lazy, so any order works: clients first, then by name.
    ordered = sorted(classes, key=lambda c: (not c.is_client, c.twin))
    bodies = [generate_class(tr, c) for c in ordered]  # before imports.render(): it fills them
    sources = ", ".join(sorted({c.source.name for c in classes}))
    names = sorted(c.twin for c in classes)
    quoted = [f'"{n}"' for n in names]
    all_line = f"__all__ = [{', '.join(quoted)}]"
    if len(all_line) > LINE_LENGTH:
        all_line = "__all__ = [\n" + "".join(f"{INDENT}{q},\n" for q in quoted) + "]"
    head = [
        f"# GENERATED by scripts/generate_sync.py from {sources}"
        " — do not edit by hand; run `nox -s generate`.",
        MODULE_DOC,
        "",
        "from __future__ import annotations",
        "",
        imports.render(),
        "",
        all_line,
    ]
    return "\n\n\n".join(["\n".join(head), *bodies]) + "\n"


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
    if current == text:
        return 0
    if options.check:
        import difflib  # only needed (and only paid for) when the file is stale

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
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
