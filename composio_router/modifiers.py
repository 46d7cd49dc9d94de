"""Modifiers: your hooks around a tool's schema and its execution.

Three kinds, each made by a decorator and each optionally limited to some tools or
toolkits (a modifier with neither filter applies to every tool; with filters it
applies to a tool named in ``tools`` *or* belonging to a toolkit in ``toolkits``):

* :func:`schema_modifier` ``(tool_slug, toolkit, tool) -> Tool``: rewrite a tool
  (description, ``input_parameters``...) before a provider converts it. Sync only.
* :func:`before_execute` ``(tool_slug, toolkit, arguments) -> arguments``: rewrite
  the arguments of a call before it runs (inject a default, redact a field...).
* :func:`after_execute` ``(tool_slug, toolkit, result) -> ExecuteResult``: rewrite
  the result of a call before it is returned or handed back to the model.

Execute modifiers may be sync or ``async``. They run in ``session.execute``,
``session.multi_execute`` / ``iter_multi_execute`` and ``session.handle_tool_calls``
(which goes through ``multi_execute``), after the client's own modifiers
(``AsyncComposio(modifiers=...)``). An exception raised by a modifier is a bug in the
caller's code: it propagates, it is not turned into a tool error. ``after_execute``
runs on every result the tool returned (failed ones included), not on a call that
raised (an HTTP error in ``execute``, an item without a result in a batch).

Slugs are matched case-insensitively; custom tools by their final ``LOCAL_…`` slug.
A tool's toolkit comes from the session's cached schemas, a custom tool's from its
registration, otherwise from the slug's prefix (``GMAIL_SEND_EMAIL`` -> ``gmail``).
A ``COMPOSIO_MULTI_EXECUTE_TOOL`` call is one call of the meta tool: modifiers see
the meta tool, not the tools inside its batch.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload

from attrs import evolve, frozen

from .errors import InvalidInputError, ToolNotFoundError
from .models.batch import (
    MAX_BATCH,
    BatchItemResult,
    FailedCall,
    MultiExecuteResult,
    ParsedCall,
    ToolCall,
    parse_call,
)
from .models.execution import ExecuteResult
from .models.tools import Tool

if TYPE_CHECKING:
    from .custom_tools import CustomToolRegistry

__all__ = [
    "AfterExecuteFn",
    "BeforeExecuteFn",
    "Identify",
    "Modifier",
    "ModifierKind",
    "Modifiers",
    "SchemaModifierFn",
    "after_execute",
    "apply_after_execute",
    "apply_before_execute",
    "apply_schema_modifiers",
    "before_execute",
    "has_execute_modifiers",
    "modify_batch",
    "modify_batch_item",
    "modify_calls",
    "normalize_modifiers",
    "schema_modifier",
    "tool_identity",
]

ModifierKind: TypeAlias = Literal["schema", "before_execute", "after_execute"]
SchemaModifierFn: TypeAlias = Callable[[str, str, Tool], Tool]
BeforeExecuteFn: TypeAlias = Callable[
    [str, str, dict[str, Any]], "dict[str, Any] | Awaitable[dict[str, Any]]"
]
AfterExecuteFn: TypeAlias = Callable[[str, str, ExecuteResult], "ExecuteResult | Awaitable[ExecuteResult]"]


def _slug_set(values: Iterable[str] | None, what: str, upper: bool) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        raise InvalidInputError(f"{what} must be a list of slugs, not a single string ({values!r})")
    items = list(values)
    if not all(isinstance(v, str) and v for v in items):
        raise InvalidInputError(f"{what} must be a list of non-empty slugs, got {items!r}")
    return frozenset(v.upper() if upper else v.lower() for v in items)


@frozen
class Modifier:
    """One hook: its ``kind``, the function, and the tools/toolkits it is limited to."""

    kind: ModifierKind
    fn: Callable[..., Any]
    tools: frozenset[str] | None = None
    toolkits: frozenset[str] | None = None

    def applies_to(self, tool_slug: str, toolkit: str) -> bool:
        """Whether this modifier runs for ``tool_slug`` of ``toolkit``."""
        if self.tools is None and self.toolkits is None:
            return True
        if self.tools is not None and tool_slug.upper() in self.tools:
            return True
        return self.toolkits is not None and toolkit.lower() in self.toolkits


Modifiers: TypeAlias = "Modifier | Sequence[Modifier] | None"
"""What a ``modifiers=`` argument takes: one modifier, a sequence of them, or None."""


def _make(
    kind: ModifierKind,
    fn: Callable[..., Any] | None,
    tools: Iterable[str] | None,
    toolkits: Iterable[str] | None,
) -> Modifier | Callable[[Callable[..., Any]], Modifier]:
    tool_set = _slug_set(tools, "tools", upper=True)
    toolkit_set = _slug_set(toolkits, "toolkits", upper=False)

    def wrap(f: Callable[..., Any]) -> Modifier:
        if not callable(f):
            raise InvalidInputError(f"a {kind} modifier must be a function, got {f!r}")
        if kind == "schema" and inspect.iscoroutinefunction(f):
            raise InvalidInputError("schema modifiers must be plain (sync) functions")
        return Modifier(kind=kind, fn=f, tools=tool_set, toolkits=toolkit_set)

    return wrap if fn is None else wrap(fn)


@overload
def schema_modifier(
    fn: SchemaModifierFn, /, *, tools: Iterable[str] | None = None, toolkits: Iterable[str] | None = None
) -> Modifier: ...
@overload
def schema_modifier(
    fn: None = None, /, *, tools: Iterable[str] | None = None, toolkits: Iterable[str] | None = None
) -> Callable[[SchemaModifierFn], Modifier]: ...
def schema_modifier(
    fn: SchemaModifierFn | None = None,
    /,
    *,
    tools: Iterable[str] | None = None,
    toolkits: Iterable[str] | None = None,
) -> Modifier | Callable[[SchemaModifierFn], Modifier]:
    """Make ``fn(tool_slug, toolkit, tool) -> Tool`` a schema modifier.

    ``tool`` is a copy: return ``attrs.evolve(tool, description=...)`` or mutate its
    ``input_parameters`` freely, the session's cached schemas are not affected.
    """
    return _make("schema", fn, tools, toolkits)


@overload
def before_execute(
    fn: BeforeExecuteFn, /, *, tools: Iterable[str] | None = None, toolkits: Iterable[str] | None = None
) -> Modifier: ...
@overload
def before_execute(
    fn: None = None, /, *, tools: Iterable[str] | None = None, toolkits: Iterable[str] | None = None
) -> Callable[[BeforeExecuteFn], Modifier]: ...
def before_execute(
    fn: BeforeExecuteFn | None = None,
    /,
    *,
    tools: Iterable[str] | None = None,
    toolkits: Iterable[str] | None = None,
) -> Modifier | Callable[[BeforeExecuteFn], Modifier]:
    """Make ``fn(tool_slug, toolkit, arguments) -> arguments`` (sync or async) run before a call."""
    return _make("before_execute", fn, tools, toolkits)


@overload
def after_execute(
    fn: AfterExecuteFn, /, *, tools: Iterable[str] | None = None, toolkits: Iterable[str] | None = None
) -> Modifier: ...
@overload
def after_execute(
    fn: None = None, /, *, tools: Iterable[str] | None = None, toolkits: Iterable[str] | None = None
) -> Callable[[AfterExecuteFn], Modifier]: ...
def after_execute(
    fn: AfterExecuteFn | None = None,
    /,
    *,
    tools: Iterable[str] | None = None,
    toolkits: Iterable[str] | None = None,
) -> Modifier | Callable[[AfterExecuteFn], Modifier]:
    """Make ``fn(tool_slug, toolkit, result) -> ExecuteResult`` (sync or async) run after a call."""
    return _make("after_execute", fn, tools, toolkits)


def normalize_modifiers(*groups: Modifiers) -> tuple[Modifier, ...]:
    """Flatten ``groups`` (each None, one modifier or a sequence) into one tuple, in order."""
    out: list[Modifier] = []
    for group in groups:
        if group is None:
            continue
        items: Sequence[object] = [group] if isinstance(group, Modifier) else group
        if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
            raise InvalidInputError(f"modifiers must be a list of modifiers, got {type(group).__name__}")
        for item in items:
            if not isinstance(item, Modifier):
                raise InvalidInputError(
                    f"{item!r} is not a modifier: wrap it with schema_modifier, before_execute or after_execute"
                )
            out.append(item)
    return tuple(out)


def _of_kind(modifiers: Sequence[Modifier], kind: ModifierKind) -> list[Modifier]:
    return [m for m in modifiers if m.kind == kind]


def has_execute_modifiers(modifiers: Sequence[Modifier]) -> bool:
    """Whether any modifier runs around execution (lets callers skip the bookkeeping)."""
    return any(m.kind != "schema" for m in modifiers)


def apply_schema_modifiers(tools: Sequence[Tool], modifiers: Modifiers) -> list[Tool]:
    """``tools`` with every applicable schema modifier applied, in order. Pure: inputs are not changed."""
    schema_mods = _of_kind(normalize_modifiers(modifiers), "schema")
    if not schema_mods:
        return list(tools)
    out: list[Tool] = []
    for tool in tools:
        current = tool
        for mod in schema_mods:
            if not mod.applies_to(current.slug, current.toolkit_slug):
                continue
            # A copy, so a modifier that edits the schema in place cannot corrupt the cache.
            given = evolve(current, input_parameters=copy.deepcopy(current.input_parameters))
            changed = mod.fn(current.slug, current.toolkit_slug, given)
            if not isinstance(changed, Tool):
                raise InvalidInputError(
                    f"schema modifier {_name(mod.fn)} returned {type(changed).__name__} for {current.slug}, "
                    "expected a Tool (use attrs.evolve(tool, ...))"
                )
            current = changed
        out.append(current)
    return out


async def apply_before_execute(
    modifiers: Sequence[Modifier], tool_slug: str, toolkit: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    """Run the applicable ``before_execute`` modifiers, in order; returns the final arguments."""
    for mod in _of_kind(modifiers, "before_execute"):
        if not mod.applies_to(tool_slug, toolkit):
            continue
        changed = mod.fn(tool_slug, toolkit, arguments)
        if inspect.isawaitable(changed):
            changed = await changed
        if not isinstance(changed, Mapping):
            raise InvalidInputError(
                f"before_execute modifier {_name(mod.fn)} returned {type(changed).__name__} for {tool_slug}, "
                "expected the arguments mapping"
            )
        arguments = dict(changed)
    return arguments


async def apply_after_execute(
    modifiers: Sequence[Modifier], tool_slug: str, toolkit: str, result: ExecuteResult
) -> ExecuteResult:
    """Run the applicable ``after_execute`` modifiers, in order; returns the final result."""
    for mod in _of_kind(modifiers, "after_execute"):
        if not mod.applies_to(tool_slug, toolkit):
            continue
        changed = mod.fn(tool_slug, toolkit, result)
        if inspect.isawaitable(changed):
            changed = await changed
        if not isinstance(changed, ExecuteResult):
            raise InvalidInputError(
                f"after_execute modifier {_name(mod.fn)} returned {type(changed).__name__} for {tool_slug}, "
                "expected an ExecuteResult (use attrs.evolve(result, ...))"
            )
        result = changed
    return result


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


# -- how execute / multi_execute apply them -----------------------------------------------

Identify: TypeAlias = Callable[[str], tuple[str, str]]
"""``tool_slug -> (slug, toolkit)`` as modifiers see a tool (see :func:`tool_identity`)."""


def tool_identity(
    tool_slug: str, *, registry: CustomToolRegistry | None, tools: Sequence[Tool] | None
) -> tuple[str, str]:
    """``(slug, toolkit)`` as modifiers see them: the final slug of a custom tool, and its toolkit.

    ``registry`` is the session's custom tools, ``tools`` its cached schemas (if fetched).
    """
    if registry is not None:
        try:
            local = registry.resolve(tool_slug)
        except ToolNotFoundError:
            local = None  # the call fails on its own; the modifiers still see a sensible identity
        if local is not None:
            return local.slug, (local.toolkit or "custom").lower()
    for tool in tools or ():
        if tool.slug == tool_slug:
            return tool_slug, tool.toolkit_slug.lower()
    prefix = tool_slug.split("_", 1)[0].lower()
    return tool_slug, prefix or "composio"


async def modify_calls(
    modifiers: Sequence[Modifier], calls: Sequence[ToolCall], identify: Identify
) -> Sequence[object]:
    """Apply ``before_execute`` to each well-formed batch item; malformed ones are left for the batch to report."""
    given: object = calls  # typed as a sequence, but callers may pass anything
    if isinstance(given, str | bytes) or not isinstance(given, Sequence) or len(given) > MAX_BATCH:
        return calls  # the batch itself reports what is wrong
    out: list[object] = []  # parsed calls, malformed items, or FailedCall markers the batch reports
    for call in calls:
        try:
            parsed = parse_call(call)
        except InvalidInputError:
            out.append(call)
            continue
        name, toolkit = identify(parsed.tool_slug)
        try:
            modified = await apply_before_execute(modifiers, name, toolkit, parsed.arguments)
        except Exception as exc:  # one item's modifier failing must not sink the batch
            out.append(FailedCall(parsed.tool_slug, f"before_execute modifier failed for {name}: {type(exc).__name__}: {exc}"))
            continue
        out.append(ParsedCall(parsed.tool_slug, modified, parsed.account))
    return out


async def modify_batch_item(modifiers: Sequence[Modifier], item: BatchItemResult, identify: Identify) -> BatchItemResult:
    """Apply ``after_execute`` to one batch item that has a result."""
    if item.result is None or not any(m.kind == "after_execute" for m in modifiers):
        return item
    name, toolkit = identify(item.tool_slug)
    try:
        result = await apply_after_execute(modifiers, name, toolkit, item.result)
    except Exception as exc:
        # The tool did run: keep its result, and say in this slot only why it is not usable.
        return evolve(item, successful=False,
                      error=f"after_execute modifier failed for {name}: {type(exc).__name__}: {exc}")
    if result is item.result:
        return item
    return evolve(item, data=result.data, error=result.error, successful=result.successful, result=result)


async def modify_batch(
    modifiers: Sequence[Modifier], batch: MultiExecuteResult, identify: Identify
) -> MultiExecuteResult:
    """Apply ``after_execute`` to every item of a finished batch, keeping the order."""
    if not any(m.kind == "after_execute" for m in modifiers):
        return batch
    items = [await modify_batch_item(modifiers, item, identify) for item in batch.results]
    return evolve(batch, results=items)
