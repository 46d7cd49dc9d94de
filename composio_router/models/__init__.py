"""Typed payloads of the Tool Router API: attrs classes only, no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._unset import UNSET, Unset
from .connections import AuthLink, ConnectedAccount, ConnectionStatus
from .execution import ExecuteResult, InputRequest, ProxyExecuteResult, ResultType
from .pages import Page
from .search import (
    SearchResponse,
    SearchResult,
    SearchWorkflow,
    ToolkitConnectionStatus,
    ToolSchemaRef,
)
from .session import (
    ConfigHistoryEntry,
    DeletedSession,
    McpServer,
    SessionConfig,
    SessionExperimental,
    SessionInfo,
    SessionWarning,
)
from .toolkits import ToolkitInfo
from .tools import Tool, ToolkitRef

if TYPE_CHECKING:
    from .config import (
        Experimental,
        InstantConfig,
        ManageConnections,
        MultiAccount,
        Permissions,
        Preload,
        TagFilter,
        ToolFilter,
        ToolkitFilter,
        Workbench,
    )

_CONFIG = {
    "Experimental", "InstantConfig", "ManageConnections", "MultiAccount", "Permissions",
    "Preload", "TagFilter", "ToolFilter", "ToolkitFilter", "Workbench",
}


def __getattr__(name: str) -> Any:
    # The request-side config blocks are needed only to create or update sessions.
    if name in _CONFIG:
        from . import config

        return getattr(config, name)
    raise AttributeError(f"module 'composio_router.models' has no attribute {name!r}")


__all__ = [
    "UNSET",
    "AuthLink",
    "ConfigHistoryEntry",
    "ConnectedAccount",
    "ConnectionStatus",
    "DeletedSession",
    "ExecuteResult",
    "Experimental",
    "InputRequest",
    "InstantConfig",
    "ManageConnections",
    "McpServer",
    "MultiAccount",
    "Page",
    "Permissions",
    "Preload",
    "ProxyExecuteResult",
    "ResultType",
    "SearchResponse",
    "SearchResult",
    "SearchWorkflow",
    "SessionConfig",
    "SessionExperimental",
    "SessionInfo",
    "SessionWarning",
    "TagFilter",
    "Tool",
    "ToolFilter",
    "ToolSchemaRef",
    "ToolkitConnectionStatus",
    "ToolkitFilter",
    "ToolkitInfo",
    "ToolkitRef",
    "Unset",
    "Workbench",
]
