"""The LangChain objects behind :mod:`.langchain`: session-bound tools and the batch tool node.

Imported only once ``langchain-core`` is known to be installed (``require_langchain``):
this module imports it at the top, the rest of the providers package never does.

* :class:`ComposioTool` is a ``StructuredTool`` whose calls go to the session's
  :class:`~._base.ToolRunner` in one piece: the arguments travel as one mapping, never
  as keyword arguments, so an argument named ``config``, ``run_manager`` or ``self``
  reaches the tool intact. Input it cannot read (a JSON text that is not an object, a
  list) and calls that fail become an error answer the model sees (``status="error"``),
  never an exception that ends the graph.
* :func:`batch_tool_node` runs every tool call of a model turn as one concurrent batch.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import PrivateAttr

from ..models.tools import Tool
from ._base import ToolCallRequest, ToolOutput, ToolRunner, parse_arguments, tool_call
from ._jsonschema import object_root

__all__ = ["ComposioTool", "batch_tool_node", "tool_message"]

# The text LangGraph's ToolNode answers an unknown tool name with, so a model sees the same.
_UNKNOWN_TOOL = "Error: {name} is not a valid tool, try one of [{available}]."

InputKind = Literal["list", "dict", "tool_calls"]


class ComposioTool(StructuredTool):
    """A session's tool as a LangChain ``StructuredTool``; its calls run through the session.

    ``invoke`` (sync) and ``ainvoke`` (async) both work from any thread and any event
    loop, whichever client built the tool: the call is handed to the loop that owns
    the client. ``func`` and ``coroutine`` take the arguments as keywords.
    """

    _runner: ToolRunner = PrivateAttr()
    _slug: str = PrivateAttr()

    @classmethod
    def for_tool(cls, tool: Tool, runner: ToolRunner) -> ComposioTool:
        """The LangChain tool for ``tool``, running its calls through ``runner``."""
        slug = tool.slug

        async def coroutine(**arguments: Any) -> str:
            return _content(await runner.run(ToolCallRequest(id=None, name=slug, arguments=arguments)))

        def func(**arguments: Any) -> str:
            return _content(runner.run_blocking(ToolCallRequest(id=None, name=slug, arguments=arguments)))

        made = cls(
            name=slug,
            description=tool.description or tool.name or slug,
            args_schema=object_root(tool.input_parameters),
            func=func,
            coroutine=coroutine,
            # A failed call is an answer (status="error"), not an exception that ends a graph.
            handle_tool_error=True,
        )
        made._runner = runner
        made._slug = slug
        return made

    @property
    def runner(self) -> ToolRunner:
        """What runs this tool's calls (the session's runner)."""
        return self._runner

    @property
    def slug(self) -> str:
        """The tool's slug in the session (``name`` may be renamed for the model)."""
        return self._slug

    def _to_args_and_kwargs(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        arguments, error = parse_arguments(tool_input)
        if arguments is None:
            raise ToolException(_failure(self._slug, error or "unreadable arguments"))
        return (arguments,), {}

    def _run(self, *args: Any, **kwargs: Any) -> str:
        return _answer(self._runner.run_blocking(self._request(args)))

    async def _arun(self, *args: Any, **kwargs: Any) -> str:
        return _answer(await self._runner.run(self._request(args)))

    def _request(self, args: tuple[Any, ...]) -> ToolCallRequest:
        arguments = args[0] if args and isinstance(args[0], dict) else {}
        return ToolCallRequest(id=None, name=self._slug, arguments=arguments)


def _content(output: ToolOutput) -> str:
    return output.content()


def _answer(output: ToolOutput) -> str:
    if not output.successful:
        raise ToolException(output.content())  # handled by the tool: status="error", this content
    return output.content()


def _failure(name: str, error: str) -> str:
    call = ToolCallRequest(id=None, name=name, arguments=None, error=error)
    return ToolOutput(call=call, successful=False, data={}, error=error).content()


def tool_message(output: ToolOutput, *, name: str | None = None) -> ToolMessage:
    """The ``ToolMessage`` that answers one call."""
    return ToolMessage(
        content=output.content(),
        tool_call_id=output.call.id or "",
        name=name if name is not None else output.call.name,
        status="success" if output.successful else "error",
    )


# -- the batch node ---------------------------------------------------------------------------


def batch_tool_node(
    tools: Sequence[BaseTool], *, messages_key: str = "messages", name: str = "tools"
) -> RunnableLambda[Any, Any]:
    """A LangGraph node that runs all the tool calls of the last ``AIMessage`` as one batch.

    A drop-in for ``ToolNode(tools)`` in a ``StateGraph``: same input (a state with
    ``messages_key``, a list of messages, or a list of tool calls from ``Send``), same
    output (``ToolMessage`` objects in call order), same answer for an unknown tool.
    The calls to Composio tools (:class:`ComposioTool`, from ``session.tools()``) run
    through ``multi_execute``: one batch per session, at once, custom tools in this
    process, one failure answering only its own call. Other tools run beside the batch
    with their own ``ainvoke`` / ``invoke``. The node works under ``graph.invoke`` and
    ``graph.ainvoke``. Composio calls in the batch do not emit LangChain tool callbacks.
    """
    by_name: dict[str, BaseTool] = {}
    for item in tools:
        if not isinstance(item, BaseTool):
            raise TypeError(f"batch_tool_node takes LangChain tools, got {type(item).__name__}")
        by_name[item.name] = item

    def run(state: Any, config: RunnableConfig) -> Any:
        calls, kind = _read_input(state, messages_key)
        plan = _Plan(calls, by_name)
        if not plan.foreign:
            for runner, items in plan.groups:
                plan.answer(items, runner.run_calls_blocking([request for _, request in items]))
            return _output(plan.messages(), kind, messages_key)
        # Other tools run in threads, as ToolNode runs them, while this thread waits for the batch.
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(plan.foreign)) as pool:
            running = [
                (i, pool.submit(tool.invoke, {**call, "type": "tool_call"}, config))
                for i, tool, call in plan.foreign
            ]
            for runner, items in plan.groups:
                plan.answer(items, runner.run_calls_blocking([request for _, request in items]))
            for i, future in running:
                plan.answer_foreign(i, _foreign_outcome(future.result))
        return _output(plan.messages(), kind, messages_key)

    async def arun(state: Any, config: RunnableConfig) -> Any:
        calls, kind = _read_input(state, messages_key)
        plan = _Plan(calls, by_name)

        async def group(runner: ToolRunner, items: list[tuple[int, ToolCallRequest]]) -> None:
            plan.answer(items, await runner.run_calls([request for _, request in items]))

        async def other(i: int, tool: BaseTool, call: Mapping[str, Any]) -> None:
            async def invoke() -> Any:
                return await tool.ainvoke({**call, "type": "tool_call"}, config)

            plan.answer_foreign(i, await _foreign_outcome_async(invoke))

        jobs = [group(runner, items) for runner, items in plan.groups]
        jobs += [other(i, tool, call) for i, tool, call in plan.foreign]
        await _all(jobs)
        return _output(plan.messages(), kind, messages_key)

    return RunnableLambda(run, afunc=arun, name=name)


class _Plan:
    """One turn's calls, sorted into batches per runner, other tools and immediate answers."""

    def __init__(self, calls: Sequence[Mapping[str, Any]], by_name: Mapping[str, BaseTool]) -> None:
        self.calls = calls
        self.answers: list[ToolMessage | None] = [None] * len(calls)
        self.groups: list[tuple[ToolRunner, list[tuple[int, ToolCallRequest]]]] = []
        self.foreign: list[tuple[int, BaseTool, Mapping[str, Any]]] = []
        groups: dict[int, tuple[ToolRunner, list[tuple[int, ToolCallRequest]]]] = {}
        for i, call in enumerate(calls):
            requested = call.get("name")
            tool = by_name.get(requested) if isinstance(requested, str) else None
            if tool is None:
                content = _UNKNOWN_TOOL.format(name=requested, available=", ".join(by_name))
                self.answers[i] = ToolMessage(
                    content, name=str(requested or ""), tool_call_id=_call_id(call), status="error"
                )
            elif isinstance(tool, ComposioTool):
                request = tool_call(_call_id(call) or None, tool.slug, call.get("args"))
                if request.arguments is None:  # unreadable arguments: answered, never run
                    failed = ToolOutput(call=request, successful=False, data={}, error=request.error)
                    self.answers[i] = tool_message(failed, name=tool.name)
                else:
                    groups.setdefault(id(tool.runner), (tool.runner, []))[1].append((i, request))
            else:
                self.foreign.append((i, tool, call))
        self.groups = list(groups.values())

    def answer(self, items: list[tuple[int, ToolCallRequest]], outputs: list[ToolOutput]) -> None:
        for (i, _), output in zip(items, outputs, strict=True):
            self.answers[i] = tool_message(output, name=str(self.calls[i].get("name")))

    def answer_foreign(self, i: int, outcome: Any) -> None:
        call = self.calls[i]
        if isinstance(outcome, ToolMessage):
            self.answers[i] = outcome
        else:
            content = outcome if isinstance(outcome, str) else str(outcome)
            self.answers[i] = ToolMessage(content, name=str(call.get("name")), tool_call_id=_call_id(call))

    def messages(self) -> list[ToolMessage]:
        return [m for m in self.answers if m is not None]


def _call_id(call: Mapping[str, Any]) -> str:
    ident = call.get("id")
    return ident if isinstance(ident, str) else ""


def _foreign_outcome(result: Callable[[], Any]) -> Any:
    """Another tool's answer; its input validation error is answered, as ToolNode does."""
    from pydantic import ValidationError

    try:
        return result()
    except ValidationError as exc:
        return f"Error: {exc!r}\n Please fix your mistakes."


async def _foreign_outcome_async(invoke: Callable[[], Any]) -> Any:
    from pydantic import ValidationError

    try:
        return await invoke()
    except ValidationError as exc:
        return f"Error: {exc!r}\n Please fix your mistakes."


async def _all(jobs: list[Any]) -> None:
    """Await ``jobs`` concurrently; the first failure cancels the rest and is raised as itself."""
    if len(jobs) <= 1:
        for job in jobs:
            await job
        return
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            raise failure


def _read_input(state: Any, messages_key: str) -> tuple[list[Mapping[str, Any]], InputKind]:
    """The tool calls to run and the input's shape, read as LangGraph's ToolNode reads them."""
    if isinstance(state, list):
        if state and isinstance(state[-1], Mapping) and state[-1].get("type") == "tool_call":
            return list(state), "tool_calls"
        messages: Any = state
        kind: InputKind = "list"
    elif isinstance(state, Mapping) and state.get("__type") == "tool_call_with_context":
        return [state["tool_call"]], "tool_calls"
    elif isinstance(state, Mapping) and state.get(messages_key):
        messages, kind = state[messages_key], "dict"
    elif getattr(state, messages_key, None):
        messages, kind = getattr(state, messages_key), "dict"
    else:
        raise ValueError("No message found in input")
    ai = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    if ai is None:
        raise ValueError("No AIMessage found in input")
    return [dict(call) for call in ai.tool_calls], kind


def _output(messages: list[ToolMessage], kind: InputKind, messages_key: str) -> Any:
    return messages if kind == "list" else {messages_key: messages}
