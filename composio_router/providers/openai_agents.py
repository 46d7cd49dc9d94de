"""The OpenAI Agents SDK (``openai-agents``): ``FunctionTool`` objects that run through the session.

Needs ``openai-agents``, imported only when tools are built:
``pip install 'composio-router[openai-agents]'``.

The Agents SDK runs the tools itself (``Runner.run``, ``Runner.run_sync``,
``Runner.run_streamed``), so each ``FunctionTool`` calls the session's runner: from
the loop ``Runner.run`` awaits on, or from the loop ``Runner.run_sync`` makes, the
call is handed to the loop that owns the client's connection pool. Tools built with
``AsyncComposio`` work under ``Runner.run`` on their own loop; tools built with the
sync facade (``Composio``) work everywhere, ``run_sync`` included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError
from ..models.tools import Tool
from ._base import ToolBinding, ToolCallRequest, ToolOutput, ToolRunner, to_plain, tool_call
from ._jsonschema import object_root, strip_optional_nulls, to_openai_strict
from .openai_responses import OpenAIResponsesProvider

if TYPE_CHECKING:
    from agents import FunctionTool
    from agents.tool_context import ToolContext

__all__ = ["OpenAIAgentsProvider", "require_openai_agents"]

_INSTALL_HINT = (
    "the OpenAI Agents SDK provider needs openai-agents: pip install 'composio-router[openai-agents]'"
)


def require_openai_agents() -> None:
    """Raise a clear :class:`ImportError` when ``openai-agents`` is missing."""
    try:
        import agents  # noqa: F401
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc


class OpenAIAgentsProvider(OpenAIResponsesProvider):
    """``FunctionTool`` objects for ``agents.Agent(tools=...)``, bound to a session.

    ``strict=True`` (the default, as the Agents SDK recommends) gives each tool a
    strict-mode schema; a tool whose schema strict mode cannot express (open maps,
    free-form objects, unsupported keywords) is given its own schema with
    ``strict_json_schema=False`` instead, that tool only. The ``null`` strict mode
    makes the model send for an optional argument is removed before the tool runs.

    A call never raises into the run for a tool's failure: a failed call, or arguments
    that are not a JSON object, are answered with the error, which the model sees.
    Execute ``modifiers`` given to ``tools()`` apply when the tools run.
    ``handle_tool_calls`` reads the ``function_call`` items of a ``ModelResponse`` or
    a Responses ``output`` list, and answers with ``function_call_output`` items.
    """

    name = "openai_agents"

    def __init__(self, *, strict: bool = True) -> None:
        super().__init__(strict=strict)

    def __repr__(self) -> str:
        return f"OpenAIAgentsProvider(strict={self.strict})"

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> list[Any]:
        if binding is None:
            raise InvalidInputError(
                "OpenAI Agents SDK tools run themselves and need a session: use session.tools() or "
                "session.get_provider_tools(OpenAIAgentsProvider())"
            )
        require_openai_agents()
        return [function_tool(t, binding.runner, strict=self.strict) for t in tools]

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        output = getattr(response, "output", None)  # a ModelResponse (a dataclass, not a model)
        if isinstance(output, list) and not isinstance(response, Mapping):
            return super().parse_tool_calls([to_plain(item) for item in output])
        return super().parse_tool_calls(response)


def function_tool(tool: Tool, runner: ToolRunner, *, strict: bool = True) -> FunctionTool:
    """One session tool as an Agents SDK ``FunctionTool`` whose calls go to ``runner``."""
    from agents import FunctionTool
    from agents.exceptions import UserError

    description = tool.description or tool.name or tool.slug
    strict_schema = to_openai_strict(tool.input_parameters) if strict else None
    if strict_schema is not None:
        try:
            return FunctionTool(
                name=tool.slug,
                description=description,
                params_json_schema=strict_schema,
                on_invoke_tool=_invoker(tool, runner, strip_nulls=True),
                strict_json_schema=True,
            )
        except UserError:
            pass  # the Agents SDK's own strict check refused it: this tool goes non-strict
    return FunctionTool(
        name=tool.slug,
        description=description,
        params_json_schema=object_root(tool.input_parameters),
        on_invoke_tool=_invoker(tool, runner, strip_nulls=False),
        strict_json_schema=False,
    )


def _invoker(tool: Tool, runner: ToolRunner, *, strip_nulls: bool) -> Any:
    slug, schema = tool.slug, tool.input_parameters

    async def invoke(ctx: ToolContext[Any], raw_arguments: str) -> str:
        call = tool_call(getattr(ctx, "tool_call_id", None), slug, raw_arguments)
        if call.arguments is None:  # not a JSON object: answered, never run
            return ToolOutput(call=call, successful=False, data={}, error=call.error).content()
        if strip_nulls:
            call = ToolCallRequest(
                id=call.id, name=slug, arguments=strip_optional_nulls(schema, call.arguments)
            )
        return (await runner.run(call)).content()

    return invoke
