"""A session as the server describes it (spec §3.3, §3.4, §4.4, §4.6).

The response form of the config spells several keys differently from the request
form (``enable`` -> ``enabled``, ``enable_proxy_execution`` ->
``proxy_execution_enabled``); these classes follow the response form.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

__all__ = [
    "ConfigHistoryEntry",
    "DeletedSession",
    "McpServer",
    "SessionConfig",
    "SessionExperimentalInfo",
    "SessionInfo",
    "SessionWarning",
]


@frozen
class McpServer:
    """The session's hosted MCP endpoint. ``headers`` carries the API key only when the
    URL has the API's own origin (spec §1.3, §3.4); it is masked in reprs."""

    type: str = "http"
    url: str = ""
    headers: dict[str, str] = field(factory=dict, repr=False)


@frozen
class FilterState:
    """A toolkit, tool or tag filter as stored: ``enabled`` / ``disabled`` lists and approvals."""

    enabled: list[str] | None = None
    disabled: list[str] | None = None
    tags: FilterState | None = None
    require_approval: list[str] | None = None


@frozen
class ManageConnectionsState:
    enabled: bool | None = None
    callback_url: str | None = None
    enable_connection_removal: bool | None = None
    enable_wait_for_connections: bool | None = None


@frozen
class WorkbenchState:
    enable: bool | None = None
    proxy_execution_enabled: bool | None = None
    tool_execution_enabled: bool | None = None
    auto_offload_threshold: float | None = None  # `number` on the wire (spec §3.3)
    sandbox_size: str | None = None


@frozen
class MultiAccountState:
    enable: bool | None = None
    max_accounts_per_toolkit: int | None = None
    require_explicit_selection: bool | None = None


@frozen
class SessionConfig:
    """The stored configuration. ``None`` means "not set" (server default applies).

    ``instant`` is ``False`` (disabled) or the instant-usage mapping; ``preload``,
    ``search`` and ``execute`` are kept as the small mappings the server sends.
    """

    user_id: str = ""
    toolkits: FilterState | None = None
    tools: dict[str, FilterState] | None = None
    tags: FilterState | None = None
    auth_configs: dict[str, str] | None = None
    connected_accounts: dict[str, list[str]] | None = None
    manage_connections: ManageConnectionsState | None = None
    workbench: WorkbenchState | None = None
    multi_account: MultiAccountState | None = None
    preload: dict[str, Any] | None = None
    search: dict[str, Any] | None = None
    execute: dict[str, Any] | None = None
    instant: Any = None
    proxy_execute: dict[str, Any] | None = None


@frozen
class SessionWarning:
    code: str = ""
    message: str = ""


@frozen
class SessionExperimentalInfo:
    """The ``experimental`` block of a session as the API reports it (``SessionInfo.experimental``).

    Data only; ``session.experimental`` (the files mount and the assistive prompt) is
    :class:`composio_router.AsyncSessionExperimental`.
    """

    assistive_prompt: str | None = None
    custom_tools: list[dict[str, Any]] | None = None
    custom_toolkits: list[dict[str, Any]] | None = None
    no_elicitation_support_fallback: str | None = None
    source_session_config: dict[str, Any] | None = None


@frozen
class SessionInfo:
    """The ``Session`` object of create, retrieve, patch and attach."""

    session_id: str
    mcp: McpServer = field(factory=McpServer)
    tool_router_tools: list[str] = field(factory=list)
    config: SessionConfig = field(factory=SessionConfig)
    config_version: int = 1
    experimental: SessionExperimentalInfo | None = None
    warnings: list[SessionWarning] | None = None


@frozen
class ConfigHistoryEntry:
    """One version of a session's config, newest first; ``is_current`` marks the live one."""

    version: int
    created_at: str = ""
    config: SessionConfig = field(factory=SessionConfig)
    is_current: bool = False


@frozen
class DeletedSession:
    session_id: str
    deleted: bool = True
