"""MCP: the session's hosted MCP server, as an MCP client wants it.

No tool conversion happens here: an MCP client lists and calls the tools on the
server itself. :func:`mcp_config` gives the ``url``, the ``headers`` (the API key only
for the API's own origin) and the transport; :class:`McpProvider` makes that what
``session.tools()`` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

from attrs import field, frozen

from ..errors import InvalidInputError
from ..models.session import McpServer
from ..models.tools import Tool
from ..modifiers import Modifiers
from ._base import BaseProvider, ToolBinding, ToolCallRequest, ToolOutput

__all__ = ["McpConfig", "McpProvider", "mcp_config"]

McpTransport = Literal["streamable_http", "sse"]


class HasMcpServer(Protocol):
    """Anything with the session's ``mcp`` server: ``AsyncSession`` and ``Session`` both have it."""

    @property
    def mcp(self) -> McpServer: ...


@frozen
class McpConfig:
    """Where and how to reach the session's MCP server. ``headers`` are hidden from reprs."""

    name: str
    url: str
    transport: McpTransport
    headers: dict[str, str] = field(factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """``{"url", "headers", "transport"}``: one server entry for an MCP client
        (``langchain-mcp-adapters``' ``MultiServerMCPClient({name: entry})`` takes it as is)."""
        return {"url": self.url, "headers": dict(self.headers), "transport": self.transport}

    def to_mcp_servers(self) -> dict[str, Any]:
        """``{"mcpServers": {name: {"type", "url", "headers"}}}``, the JSON config of desktop MCP clients."""
        kind = "http" if self.transport == "streamable_http" else "sse"
        return {"mcpServers": {self.name: {"type": kind, "url": self.url, "headers": dict(self.headers)}}}

    def to_openai_tool(self, *, require_approval: Literal["always", "never"] = "never") -> dict[str, Any]:
        """An OpenAI Responses hosted-MCP tool (``{"type": "mcp", "server_label", "server_url", ...}``)."""
        return {
            "type": "mcp",
            "server_label": self.name,
            "server_url": self.url,
            "headers": dict(self.headers),
            "require_approval": require_approval,
        }


def _config(server: McpServer, name: str) -> McpConfig:
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"name must be a non-empty string, got {name!r}")
    transport: McpTransport = "sse" if server.type.lower() == "sse" else "streamable_http"
    return McpConfig(name=name, url=server.url, transport=transport, headers=dict(server.headers))


def mcp_config(session: HasMcpServer, *, name: str = "composio") -> McpConfig:
    """The session's MCP server config (no I/O: read from the session object)."""
    return _config(session.mcp, name)


class McpProvider(BaseProvider[McpConfig]):
    """``session.tools()`` returns the :class:`McpConfig` of the session's MCP server.

    Schema modifiers do not apply (the server hands out the schemas), and there are no
    tool calls to handle: the MCP client runs them on the server.
    """

    name = "mcp"

    def __init__(self, *, server_name: str = "composio") -> None:
        self.server_name = server_name

    def __repr__(self) -> str:
        return f"McpProvider(server_name={self.server_name!r})"

    def wrap_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, binding: ToolBinding | None = None
    ) -> McpConfig:
        return self.convert_tools(tools, binding=binding)  # the server's schemas: nothing to modify

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> McpConfig:
        if binding is None:
            raise InvalidInputError("the MCP config belongs to a session: use session.tools() or mcp_config(session)")
        return _config(binding.mcp, self.server_name)

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        raise InvalidInputError("MCP clients run tool calls on the MCP server; there is nothing to handle locally")

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        raise InvalidInputError("MCP clients run tool calls on the MCP server; there is nothing to handle locally")
