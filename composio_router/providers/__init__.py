"""Adapters from the SDK's :class:`~composio_router.models.Tool` to each LLM framework's format.

Pure functions, no I/O, and no provider SDK imported at package import time:

================================  ============================================  ====================
provider                          ``session.tools()`` returns                   ``handle_tool_calls`` returns
================================  ============================================  ====================
:class:`OpenAIProvider` (default) ``{"type": "function", "function": ...}``     ``role: tool`` messages
:class:`OpenAIResponsesProvider`  flat function tools (``strict`` option)       ``function_call_output`` items
:class:`AnthropicProvider`        ``name`` / ``description`` / ``input_schema``  ``tool_result`` blocks
:class:`GeminiProvider`           function declarations (Gemini schema subset)  ``function_response`` parts
:class:`LangChainProvider`        ``StructuredTool`` objects (extra)            ``ToolMessage`` objects
:class:`OpenAIAgentsProvider`     Agents SDK ``FunctionTool`` objects (extra)   ``function_call_output`` items
:class:`McpProvider`              the session's MCP server config               (runs on the server)
================================  ============================================  ====================

LangChain's and the Agents SDK's tools run themselves, through the session, from
their sync and async entry points, on any thread or event loop. For LangGraph,
:func:`batch_tool_node` runs a model turn's tool calls as one concurrent batch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..modifiers import Modifier, Modifiers, after_execute, before_execute, schema_modifier
    from ._base import (
        BaseProvider,
        IdentityProvider,
        Provider,
        ToolBinding,
        ToolCallRequest,
        ToolOutput,
        ToolRunner,
    )
    from .anthropic import AnthropicProvider
    from .gemini import GeminiProvider
    from .langchain import LangChainProvider, batch_tool_node
    from .mcp import McpConfig, McpProvider, mcp_config
    from .openai import OpenAIProvider
    from .openai_agents import OpenAIAgentsProvider
    from .openai_responses import OpenAIResponsesProvider

# Each adapter is loaded on first use: an application that uses one provider should not
# pay the import time of the others (the import-time target of the benchmarks).
_WHERE = {
    "BaseProvider": "_base", "IdentityProvider": "_base", "Provider": "_base",
    "ToolBinding": "_base", "ToolCallRequest": "_base", "ToolOutput": "_base", "ToolRunner": "_base",
    "AnthropicProvider": "anthropic", "GeminiProvider": "gemini", "LangChainProvider": "langchain",
    "batch_tool_node": "langchain", "OpenAIAgentsProvider": "openai_agents",
    "McpConfig": "mcp", "McpProvider": "mcp", "mcp_config": "mcp",
    # Modifiers live in composio_router.modifiers; re-exported here, where providers take them.
    "Modifier": "..modifiers", "Modifiers": "..modifiers", "after_execute": "..modifiers",
    "before_execute": "..modifiers", "schema_modifier": "..modifiers",
    "OpenAIProvider": "openai", "OpenAIResponsesProvider": "openai_responses",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'composio_router.providers' has no attribute {name!r}")
    return getattr(importlib.import_module(module if module.startswith(".") else f".{module}", __name__), name)


__all__ = [
    "AnthropicProvider",
    "BaseProvider",
    "GeminiProvider",
    "IdentityProvider",
    "LangChainProvider",
    "McpConfig",
    "McpProvider",
    "Modifier",
    "Modifiers",
    "OpenAIAgentsProvider",
    "OpenAIProvider",
    "OpenAIResponsesProvider",
    "Provider",
    "ToolBinding",
    "ToolCallRequest",
    "ToolOutput",
    "ToolRunner",
    "after_execute",
    "batch_tool_node",
    "before_execute",
    "mcp_config",
    "schema_modifier",
]
