"""The provider contract: how a session's tools are handed to an LLM framework, and how
the framework's tool calls are read and answered.

A provider is pure. It never runs a tool, never sends a request and never imports its
framework's SDK at import time. It does three things:

* :meth:`Provider.wrap_tools`: convert the SDK's :class:`Tool` models (after schema
  modifiers) to the framework's tool collection;
* :meth:`Provider.parse_tool_calls`: read a model response (the SDK's object or its
  plain ``dict`` form) into provider-neutral :class:`ToolCallRequest` objects;
* :meth:`Provider.format_results`: write :class:`ToolOutput` objects back as the
  framework's messages, in call order.

Running the calls in between is the session's job (``session.handle_tool_calls``).
Tools that run themselves (LangChain's, the OpenAI Agents SDK's) get a
:class:`ToolRunner` from the session in a :class:`ToolBinding`, and call it; they
never see the session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, NoReturn, Protocol, TypeVar, runtime_checkable

import orjson
from attrs import frozen

from ..errors import InvalidInputError
from ..models.session import McpServer
from ..models.tool_calls import ToolCallRequest, ToolOutput
from ..models.tools import Tool
from ..modifiers import Modifiers, apply_schema_modifiers

__all__ = [
    "BaseProvider",
    "IdentityProvider",
    "Provider",
    "ToolBinding",
    "ToolCallRequest",
    "ToolOutput",
    "ToolRunner",
    "parse_arguments",
    "to_plain",
    "tool_call",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class ToolRunner(Protocol):
    """Runs the calls of tool objects that run themselves; given by the session.

    The async methods may be awaited on any event loop, the blocking ones called from
    any thread but the owner loop's own: the runner hands each call to the loop that
    owns the session's client.
    """

    async def run(self, call: ToolCallRequest) -> ToolOutput:
        """Run ``call``."""
        ...

    def run_blocking(self, call: ToolCallRequest) -> ToolOutput:
        """Run ``call``, blocking this thread."""
        ...

    async def run_calls(self, calls: Sequence[ToolCallRequest]) -> list[ToolOutput]:
        """Run a model turn's ``calls`` as one concurrent batch; outputs in call order."""
        ...

    def run_calls_blocking(self, calls: Sequence[ToolCallRequest]) -> list[ToolOutput]:
        """:meth:`run_calls`, blocking this thread."""
        ...


@frozen
class ToolBinding:
    """What a session hands a provider beside its tools.

    ``runner`` runs a call (for tool objects that run themselves); ``mcp`` is the
    session's hosted MCP server (for providers that hand out that instead of tools).
    """

    runner: ToolRunner
    mcp: McpServer


@runtime_checkable
class Provider(Protocol[T_co]):
    """Turns the SDK's tool schemas into one framework's tools, and reads and answers its tool calls."""

    name: str

    def wrap_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, binding: ToolBinding | None = None
    ) -> T_co:
        """Convert ``tools``; schema ``modifiers`` rewrite them first.

        ``binding`` is given by a session; only providers whose output runs itself or
        points at the session's MCP server need it.
        """
        ...

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        """The tool calls in ``response`` (SDK object or dict form), in order."""
        ...

    def prepare_calls(
        self, calls: list[ToolCallRequest], schemas: Mapping[str, Mapping[str, Any]]
    ) -> list[ToolCallRequest]:
        """Fix up parsed calls before they run; ``schemas`` maps slugs to input schemas.

        Only called with schemas when :attr:`needs_tool_schemas` is true.
        """
        ...

    @property
    def needs_tool_schemas(self) -> bool:
        """Whether :meth:`prepare_calls` needs the session's tool schemas (strict mode does)."""
        ...

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        """The messages that answer ``outputs``, in the same order."""
        ...


def to_plain(obj: Any) -> Any:
    """A provider SDK object (pydantic model) as plain dicts and lists; plain data unchanged."""
    dump = getattr(obj, "model_dump", None)
    if callable(dump) and not isinstance(obj, type):
        return dump()
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, list | tuple):
        return [to_plain(item) for item in obj]
    return obj


def parse_arguments(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Arguments as models send them: a JSON string, a mapping, empty or null.

    Returns ``(arguments, None)`` or ``(None, error)`` for text that is not a JSON object.
    """
    if raw is None:
        return {}, None
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, str):
        if not raw.strip():
            return {}, None
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return None, f"the arguments are not valid JSON ({exc})"
        if raw is None:
            return {}, None
    if isinstance(raw, Mapping):
        return dict(raw), None
    return None, f"the arguments must be a JSON object, got {type(raw).__name__}"


def tool_call(call_id: Any, name: Any, raw_arguments: Any) -> ToolCallRequest:
    """One call as a model sent it: its id, the tool's name, its arguments in any usual form.

    A call without a usable name (missing, not a string, empty) or with unreadable
    arguments is kept, with ``arguments=None`` and an ``error``: it is answered with that
    error and never run, and the other calls of the turn are unaffected.
    """
    ident = call_id if isinstance(call_id, str) else None
    if not isinstance(name, str) or not name.strip():
        shown = name if isinstance(name, str) else ""
        return ToolCallRequest(id=ident, name=shown, arguments=None, error=f"the tool call names no tool (got {name!r})")
    arguments, error = parse_arguments(raw_arguments)
    return ToolCallRequest(id=ident, name=name, arguments=arguments, error=error)


class BaseProvider(Generic[T]):
    """Shared machinery: subclasses convert tools and read and answer their tool calls."""

    name: str = "base"

    @property
    def needs_tool_schemas(self) -> bool:
        return False

    def wrap_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, binding: ToolBinding | None = None
    ) -> T:
        """Apply schema ``modifiers`` to ``tools``, then convert them (pure, no I/O)."""
        return self.convert_tools(apply_schema_modifiers(tools, modifiers), binding=binding)

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> T:
        """Convert already-modified tools to this provider's collection."""
        raise NotImplementedError

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        """The tool calls in ``response`` (SDK object or dict form), in order."""
        raise NotImplementedError

    def prepare_calls(
        self, calls: list[ToolCallRequest], schemas: Mapping[str, Mapping[str, Any]]
    ) -> list[ToolCallRequest]:
        """Parsed calls, unchanged (strict-mode providers strip their nulls here)."""
        return calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        """The messages that answer ``outputs``, in the same order."""
        raise NotImplementedError

    def handle_tool_calls(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Not here: providers never run tools. Raises :class:`InvalidInputError` saying so.

        Code written for the official SDK calls ``composio.provider.handle_tool_calls(...)``;
        in composio-router the session runs a model's tool calls:
        ``await session.handle_tool_calls(response)`` (sync: ``session.handle_tool_calls``).
        """
        raise InvalidInputError(
            "providers do not run tool calls in composio-router: call "
            "session.handle_tool_calls(response) on the session the tools came from "
            "(docs/migration.md)"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class IdentityProvider(BaseProvider[list[Tool]]):
    """Hands out the SDK's own :class:`Tool` models unchanged (after schema modifiers).

    Its tool calls are ``{"id", "name", "arguments"}`` mappings (``tool_slug`` is
    accepted for ``name``); the answers are ``{"id", "name", "successful", "data",
    "error"}`` dicts.
    """

    name = "identity"

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> list[Tool]:
        return list(tools)

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        items = to_plain(response)
        if isinstance(items, Mapping):
            items = [items]
        calls = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping):
                continue
            calls.append(tool_call(item.get("id"), item.get("name", item.get("tool_slug")), item.get("arguments")))
        return calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        return [{"id": o.call.id, "name": o.call.name, **o.payload()} for o in outputs]
