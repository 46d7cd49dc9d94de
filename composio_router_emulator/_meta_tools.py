"""Meta tools (spec §7) as §9 ``Tool`` objects, and which config enables which (§7.0)."""

from __future__ import annotations

from typing import Any

from ._catalog import ToolDef, tool_json

__all__ = [
    "EXECUTE_META_SLUGS",
    "META_JSON",
    "META_ORDER",
    "enabled_meta_tools",
]

SEARCH = "COMPOSIO_SEARCH_TOOLS"
SCHEMAS = "COMPOSIO_GET_TOOL_SCHEMAS"
MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"
MANAGE = "COMPOSIO_MANAGE_CONNECTIONS"
WAIT = "COMPOSIO_WAIT_FOR_CONNECTIONS"
WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
BASH = "COMPOSIO_REMOTE_BASH_TOOL"
FEEDBACK = "COMPOSIO_SUBMIT_FEEDBACK"
PROXY = "COMPOSIO_PROXY_EXECUTE"

META_ORDER = (SEARCH, SCHEMAS, MULTI, MANAGE, WAIT, WORKBENCH, BASH, FEEDBACK, PROXY)
# The seven values execute_meta's TypedDict allows (§4.8); the other two go via /execute.
EXECUTE_META_SLUGS = frozenset({SEARCH, MULTI, MANAGE, WAIT, WORKBENCH, BASH, SCHEMAS})

_STR: dict[str, Any] = {"type": "string"}
_STEP = {
    "thought": {"type": "string", "description": "One-sentence rationale"},
    "current_step": {"type": "string", "description": "Short step label"},
    "current_step_metric": {"type": "string", "description": "Progress, e.g. '3/10 pages'"},
    "session_id": {
        "type": "string",
        "description": "Workflow id returned by COMPOSIO_SEARCH_TOOLS",
    },
}


def _schema(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


_QUERIES = {
    "type": "array",
    "minItems": 1,
    "maxItems": 7,
    "items": _schema(
        ["use_case"],
        {"use_case": {"type": "string"}, "known_fields": {"type": "string"}},
    ),
}

_DEFS = [
    ToolDef(
        SEARCH,
        "Search tools",
        "Find the right tools for a task. Returns tool slugs, schemas, connection status and an execution plan.",
        "composio",
        _schema(
            ["queries"],
            {
                "queries": _QUERIES,
                "session": {
                    "type": "object",
                    "properties": {"id": _STR, "generate_id": {"type": "boolean"}},
                },
                "model": _STR,
            },
        ),
        {},
    ),
    ToolDef(
        SCHEMAS,
        "Get tool schemas",
        "Fetch full input schemas of tools found by COMPOSIO_SEARCH_TOOLS.",
        "composio",
        _schema(
            ["tool_slugs"],
            {
                "tool_slugs": {"type": "array", "items": _STR},
                "include": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["input_schema", "output_schema"]},
                },
                "session_id": _STR,
            },
        ),
        {},
    ),
    ToolDef(
        MULTI,
        "Multi execute",
        "Execute up to 50 independent tools in parallel.",
        "composio",
        _schema(
            ["tools"],
            {
                "tools": {
                    "type": "array",
                    "items": _schema(
                        ["tool_slug", "arguments"],
                        {"tool_slug": _STR, "arguments": {"type": "object"}, "account": _STR},
                    ),
                },
                "sync_response_to_workbench": {"type": "boolean", "default": False},
                **_STEP,
            },
        ),
        {},
    ),
    ToolDef(
        MANAGE,
        "Manage connections",
        "Check connections of toolkits and create auth links for missing ones.",
        "composio",
        _schema(
            ["toolkits"],
            {
                "toolkits": {"type": "array", "items": _STR},
                "reinitiate_all": {"type": "boolean", "default": False},
                "session_id": _STR,
            },
        ),
        {},
    ),
    ToolDef(
        WAIT,
        "Wait for connections",
        "Wait until the user has completed the shared auth links.",
        "composio",
        _schema([], {"toolkits": {"type": "array", "items": _STR}, "session_id": _STR}),
        {},
    ),
    ToolDef(
        WORKBENCH,
        "Remote workbench",
        "Run Python code in a persistent remote sandbox.",
        "composio",
        _schema(["code_to_execute"], {"code_to_execute": _STR, **_STEP}),
        {},
    ),
    ToolDef(
        BASH,
        "Remote bash",
        "Run a bash command in the remote sandbox.",
        "composio",
        _schema(["command"], {"command": _STR, "session_id": _STR}),
        {},
    ),
    ToolDef(
        FEEDBACK,
        "Submit feedback",
        "Send feedback about the tools to Composio.",
        "composio",
        _schema(["feedback"], {"feedback": _STR, "session_id": _STR}),
        {},
    ),
    ToolDef(
        PROXY,
        "Proxy execute",
        "Call a toolkit's API directly with the user's connection.",
        "composio",
        _schema(
            ["toolkit_slug", "endpoint", "method"],
            {
                "toolkit_slug": _STR,
                "endpoint": _STR,
                "method": {
                    "type": "string",
                    "enum": ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"],
                },
                "body": {},
                "parameters": {"type": "array", "items": {"type": "object"}},
            },
        ),
        {},
    ),
]

META_JSON: dict[str, dict[str, Any]] = {
    t.slug: tool_json(t, "Composio", "https://logos.composio.dev/api/composio") for t in _DEFS
}
for _j in META_JSON.values():
    _j["no_auth"] = True


def enabled_meta_tools(config: dict[str, Any], experimental: dict[str, Any]) -> list[str]:
    """§7.0: the meta tools a session exposes, in a stable order."""
    search = config["search"].get("enable") is not False
    multi = config["execute"].get("enable_multi_execute") is not False
    mc = config.get("manage_connections") or {}
    wb = config.get("workbench") or {}
    proxy = config.get("proxy_execute") or {}
    feedback = (experimental.get("submit_feedback") or {}).get("enable") is True
    on = {
        SEARCH: search,
        SCHEMAS: search,
        MULTI: multi,
        MANAGE: mc.get("enabled") is not False,
        WAIT: mc.get("enabled") is not False and mc.get("enable_wait_for_connections") is True,
        WORKBENCH: wb.get("enable") is not False,
        BASH: wb.get("enable") is not False,
        FEEDBACK: feedback,
        PROXY: proxy.get("enable") is True,
    }
    return [slug for slug in META_ORDER if on[slug]]
