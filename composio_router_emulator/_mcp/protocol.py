"""JSON-RPC and MCP lifecycle rules, free of HTTP: the protocol revisions and what each
allows, message classification, the error codes, and the answers that need no tool.

Two eras are served on one endpoint (MCP 2026-07-28, "Versioning and Compatibility"):

* **legacy** revisions (2024-11-05 … 2025-11-25) open with ``initialize``; the answer
  carries the negotiated version and an ``Mcp-Session-Id`` that every later request sends;
* the **modern** revision 2026-07-28 is stateless: each request names its version and the
  client's capabilities in ``params._meta`` (and the ``MCP-Protocol-Version`` header), and
  questions for the user travel inside results (``input_required``) instead of as
  server-to-client requests.

The transport picks the era; this module says what each revision permits.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "ALL_VERSIONS",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "LEGACY_VERSIONS",
    "METHOD_NOT_FOUND",
    "MODERN_VERSIONS",
    "PARSE_ERROR",
    "Incoming",
    "Revision",
    "RpcError",
    "classify",
    "error_message",
    "negotiate",
    "result_message",
    "server_info",
]

# Newest first. 2024-11-05 defined the HTTP+SSE transport, which is not served; its
# clients that speak Streamable HTTP (the official SDKs still offer the version) are.
LEGACY_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
MODERN_VERSIONS = ("2026-07-28",)
ALL_VERSIONS = MODERN_VERSIONS + LEGACY_VERSIONS

# JSON-RPC 2.0 codes, and the ones MCP reserves (2026-07-28 schema, "Error codes").
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
HEADER_MISMATCH = -32020
UNSUPPORTED_PROTOCOL_VERSION = -32022

# The request `_meta` keys of the modern revision.
META_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities"
META_SERVER_INFO = "io.modelcontextprotocol/serverInfo"

INSTRUCTIONS = (
    "Composio Tool Router (emulated). Start with COMPOSIO_SEARCH_TOOLS to find the tools for "
    "a task, connect missing apps with COMPOSIO_MANAGE_CONNECTIONS, and run independent "
    "tools together with COMPOSIO_MULTI_EXECUTE_TOOL."
)


class RpcError(Exception):
    """A JSON-RPC error answer. ``http_status`` is what the transport sends with it."""

    def __init__(
        self, code: int, message: str, *, data: Any = None, http_status: int = 200
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.http_status = http_status


@attrs.frozen
class Revision:
    """What one protocol revision allows (each row checked against that revision's spec)."""

    version: str

    @property
    def modern(self) -> bool:
        return self.version in MODERN_VERSIONS

    @property
    def batches(self) -> bool:
        # JSON-RPC batches came with 2025-03-26 and left with 2025-06-18.
        return self.version == "2025-03-26"

    @property
    def annotations(self) -> bool:
        return self.version != "2024-11-05"  # tool annotations: 2025-03-26

    @property
    def titles(self) -> bool:
        # `title` on tools and structuredContent in results: 2025-06-18.
        return self.version not in ("2024-11-05", "2025-03-26")

    @property
    def elicitation(self) -> bool:
        return self.titles  # elicitation/create: 2025-06-18 too

    @property
    def elicitation_mode(self) -> bool:
        return self.version != "2025-06-18" and self.titles  # `mode: "form"`: 2025-11-25


def negotiate(requested: Any) -> str:
    """The legacy version to answer ``initialize`` with: the client's, if this server speaks
    it, else the newest legacy one (lifecycle, "Version Negotiation")."""
    return requested if requested in LEGACY_VERSIONS else LEGACY_VERSIONS[0]


def can_elicit_form(capabilities: Any) -> bool:
    """Whether declared client capabilities include form elicitation. An empty
    ``elicitation`` object means form mode (2025-11-25 kept that reading)."""
    if not isinstance(capabilities, Mapping):
        return False
    elicitation = capabilities.get("elicitation")
    if not isinstance(elicitation, Mapping):
        return False
    return not elicitation or "form" in elicitation


@functools.cache
def server_info() -> dict[str, str]:
    from importlib import metadata

    try:
        version = metadata.version("composio-router")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare source tree
        version = "0"
    return {
        "name": "composio-tool-router-emulator",
        "title": "Composio Tool Router (emulator)",
        "version": version,
    }


def capabilities() -> dict[str, Any]:
    # Only tools: a session's tool list changes when the session is updated (PATCH).
    return {"tools": {"listChanged": True}}


def initialize_result(version: str) -> dict[str, Any]:
    return {
        "protocolVersion": version,
        "capabilities": capabilities(),
        "serverInfo": server_info(),
        "instructions": INSTRUCTIONS,
    }


def discover_result() -> dict[str, Any]:
    return {
        "supportedVersions": list(ALL_VERSIONS),
        "capabilities": capabilities(),
        "instructions": INSTRUCTIONS,
        "ttlMs": 0,
        "cacheScope": "private",
    }


# --- messages ----------------------------------------------------------------------------


@attrs.frozen
class Incoming:
    """One decoded JSON-RPC message: a request (``id`` set, ``method`` set), a notification
    (no ``id``) or a response to one of our requests (``method`` None)."""

    kind: str  # "request" | "notification" | "response"
    id: str | int | None
    method: str | None
    params: dict[str, Any]
    raw: Mapping[str, Any]


def _valid_id(value: Any) -> bool:
    # MCP: a string or an integer, never null (and a JSON boolean is not an integer).
    return type(value) is str or type(value) is int


def classify(message: Any) -> Incoming:
    """Classify one decoded message or raise the JSON-RPC "Invalid Request" error."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise RpcError(
            INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 object", http_status=400
        )
    if "method" not in message:
        if ("result" in message) != ("error" in message) and _valid_id(message.get("id")):
            return Incoming("response", message["id"], None, {}, message)
        raise RpcError(INVALID_REQUEST, "Invalid Request: no method", http_status=400)
    method = message["method"]
    if type(method) is not str or not method:
        raise RpcError(INVALID_REQUEST, "Invalid Request: method must be a string", http_status=400)
    params = message.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        # MCP params are always an object; JSON-RPC's positional form is not used.
        raise RpcError(INVALID_PARAMS, "Invalid params: params must be an object", http_status=400)
    if "id" not in message:
        return Incoming("notification", None, method, params, message)
    if not _valid_id(message["id"]):
        raise RpcError(
            INVALID_REQUEST, "Invalid Request: id must be a string or an integer", http_status=400
        )
    return Incoming("request", message["id"], method, params, message)


def result_message(msg_id: str | int | None, result: Mapping[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "result": result}


def error_message(
    msg_id: str | int | None, code: int, message: str, data: Any = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": msg_id, "error": error}


def modern_result(result: dict[str, Any]) -> dict[str, Any]:
    """A 2026-07-28 result: ``resultType`` is required, and the server names itself."""
    result.setdefault("resultType", "complete")
    result.setdefault("_meta", {})[META_SERVER_INFO] = server_info()
    return result
