"""The provider contract: how a session's tools are handed to an LLM framework, and
how the framework's tool calls come back.

A provider does two things, both without importing its framework's SDK at import time:

* :meth:`Provider.wrap_tools`: a pure conversion of the SDK's :class:`Tool` models
  (after schema modifiers) to the framework's tool collection. No I/O.
* :meth:`Provider.handle_tool_calls`: take a model response (the SDK's object or its
  plain ``dict`` form), run every tool call of the turn concurrently through
  ``session.multi_execute`` and return ready-to-send messages, in call order.

:class:`BaseProvider` implements the second from two small hooks,
:meth:`~BaseProvider.parse_tool_calls` and :meth:`~BaseProvider.format_results`.

Tool results become message content as the compact JSON (orjson) of
``{"successful": bool, "data": ..., "error": str | None}``: the model sees the data,
whether the call worked and why not, the same for every provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

import orjson
from attrs import frozen

from ..models._unset import UNSET, Unset
from ..models.tools import Tool
from .modifiers import Modifiers, apply_schema_modifiers

if TYPE_CHECKING:
    from ..fanout import BatchItemResult
    from ..session import AsyncSession

__all__ = [
    "BaseProvider",
    "IdentityProvider",
    "Provider",
    "ToolCallRequest",
    "ToolOutput",
    "execute_tool_calls",
    "parse_arguments",
    "to_plain",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

HANDLE_BATCH = 20
"""Tool calls per ``multi_execute`` batch in ``handle_tool_calls`` (the product's batch cap)."""


@runtime_checkable
class Provider(Protocol[T_co]):
    """Turns the SDK's tool schemas into one framework's tool collection, and runs its tool calls."""

    name: str

    def wrap_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, session: AsyncSession | None = None
    ) -> T_co:
        """Convert ``tools``; schema ``modifiers`` rewrite them first.

        ``session`` is only used by providers whose tools run themselves (LangChain).
        """
        ...

    async def handle_tool_calls(
        self,
        response: Any,
        session: AsyncSession,
        *,
        modifiers: Modifiers = None,
        timeout: float | None | Unset = UNSET,
    ) -> list[Any]:
        """Run the tool calls of ``response`` and return the messages that answer them, in order."""
        ...


@frozen
class ToolCallRequest:
    """One tool call a model asked for, in provider-neutral form.

    ``arguments`` is None when they could not be read (``error`` says why): that
    call is answered with an error and not run.
    """

    id: str | None
    name: str
    arguments: dict[str, Any] | None
    error: str | None = None


@frozen
class ToolOutput:
    """The outcome of one :class:`ToolCallRequest`."""

    call: ToolCallRequest
    successful: bool
    data: Any
    error: str | None
    item: BatchItemResult | None = None
    """The batch slot the call ran in; None if it never ran (unreadable arguments)."""

    def payload(self) -> dict[str, Any]:
        """What the model is shown: ``{"successful", "data", "error"}``."""
        return {"successful": self.successful, "data": self.data, "error": self.error}

    def content(self) -> str:
        """:meth:`payload` as compact JSON (non-JSON values from custom tools become strings)."""
        return orjson.dumps(self.payload(), default=str).decode()


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


async def execute_tool_calls(
    session: AsyncSession,
    calls: Sequence[ToolCallRequest],
    *,
    modifiers: Modifiers = None,
    timeout: float | None | Unset = UNSET,
) -> list[ToolOutput]:
    """Run ``calls`` through ``session.multi_execute``; outputs in call order.

    One batch runs every call at once (custom tools in this process, the rest
    remotely). More than :data:`HANDLE_BATCH` calls are split into consecutive
    batches of 20, each with its own ``timeout``, rather than refused: a model
    answer is not something the caller can shorten. A call with unreadable
    arguments is answered with an error and not sent.
    """
    outputs: list[ToolOutput | None] = [None] * len(calls)
    runnable: list[int] = []
    for i, call in enumerate(calls):
        if call.arguments is None:
            outputs[i] = ToolOutput(call=call, successful=False, data={}, error=call.error or "unreadable arguments")
        else:
            runnable.append(i)
    for start in range(0, len(runnable), HANDLE_BATCH):
        chunk = runnable[start : start + HANDLE_BATCH]
        batch = await session.multi_execute(
            [(calls[i].name, calls[i].arguments) for i in chunk], modifiers=modifiers, timeout=timeout
        )
        for i, item in zip(chunk, batch.results, strict=True):
            outputs[i] = ToolOutput(
                call=calls[i], successful=item.successful, data=item.data, error=item.error, item=item
            )
    return [o for o in outputs if o is not None]


class BaseProvider(Generic[T]):
    """Shared machinery: subclasses convert one tool and read/answer their tool calls."""

    name: str = "base"

    def wrap_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, session: AsyncSession | None = None
    ) -> T:
        """Apply schema ``modifiers`` to ``tools``, then convert them (pure, no I/O)."""
        return self.convert_tools(apply_schema_modifiers(tools, modifiers), modifiers=modifiers, session=session)

    def convert_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, session: AsyncSession | None = None
    ) -> T:
        """Convert already-modified tools to this provider's collection."""
        raise NotImplementedError

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        """The tool calls in ``response`` (SDK object or dict form), in order."""
        raise NotImplementedError

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        """The messages that answer ``outputs``, in the same order."""
        raise NotImplementedError

    async def prepare_calls(self, calls: list[ToolCallRequest], session: AsyncSession) -> list[ToolCallRequest]:
        """Hook to fix up parsed calls before they run (strict mode strips its nulls here)."""
        return calls

    async def handle_tool_calls(
        self,
        response: Any,
        session: AsyncSession,
        *,
        modifiers: Modifiers = None,
        timeout: float | None | Unset = UNSET,
    ) -> list[Any]:
        """Run every tool call in ``response`` concurrently; the answering messages in call order.

        A response without tool calls returns ``[]`` and sends nothing.
        """
        calls = self.parse_tool_calls(response)
        if not calls:
            return []
        calls = await self.prepare_calls(calls, session)
        outputs = await execute_tool_calls(session, calls, modifiers=modifiers, timeout=timeout)
        return self.format_results(outputs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class IdentityProvider(BaseProvider[list[Tool]]):
    """Hands out the SDK's own :class:`Tool` models unchanged (after schema modifiers).

    Its tool calls are ``{"id", "name", "arguments"}`` mappings (``tool_slug`` is
    accepted for ``name``); the answers are ``{"id", "name", "successful", "data",
    "error"}`` dicts.
    """

    name = "identity"

    def convert_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, session: AsyncSession | None = None
    ) -> list[Tool]:
        return list(tools)

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        items = to_plain(response)
        if isinstance(items, Mapping):
            items = [items]
        calls = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping):
                continue
            arguments, error = parse_arguments(item.get("arguments"))
            name = item.get("name", item.get("tool_slug"))
            calls.append(ToolCallRequest(id=item.get("id"), name=str(name), arguments=arguments, error=error))
        return calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        return [{"id": o.call.id, "name": o.call.name, **o.payload()} for o in outputs]
