"""Typed payloads of the Tool Router API: attrs classes only, no I/O."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._unset import UNSET, Unset

if TYPE_CHECKING:
    from .batch import BatchItemResult, MultiExecuteResult
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
    from .connections import AuthLink, ConnectedAccount, ConnectionStatus
    from .execution import (
        BlockReason,
        ExecuteResult,
        HookResult,
        InputRequest,
        ProxyExecuteResult,
        ResultType,
    )
    from .files import FilesPage, RemoteFile
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
        SessionExperimentalInfo,
        SessionInfo,
        SessionWarning,
    )
    from .toolkits import (
        ToolkitConnection,
        ToolkitConnectionsDetails,
        ToolkitConnectionState,
        ToolkitInfo,
    )
    from .tools import Tool, ToolkitRef

# Each model module loads on first use: an attrs class costs about a millisecond to
# create, and a program needs the models of the calls it makes (the import-time target).
_WHERE = {
    "BatchItemResult": "batch", "MultiExecuteResult": "batch",
    "Experimental": "config", "InstantConfig": "config", "ManageConnections": "config",
    "MultiAccount": "config", "Permissions": "config", "Preload": "config", "TagFilter": "config",
    "ToolFilter": "config", "ToolkitFilter": "config", "Workbench": "config",
    "AuthLink": "connections", "ConnectedAccount": "connections", "ConnectionStatus": "connections",
    "ExecuteResult": "execution", "InputRequest": "execution", "ProxyExecuteResult": "execution",
    "ResultType": "execution", "BlockReason": "execution", "HookResult": "execution",
    "Page": "pages", "FilesPage": "files", "RemoteFile": "files",
    "SearchResponse": "search", "SearchResult": "search", "SearchWorkflow": "search",
    "ToolkitConnectionStatus": "search", "ToolSchemaRef": "search",
    "ConfigHistoryEntry": "session", "DeletedSession": "session", "McpServer": "session",
    "SessionConfig": "session", "SessionExperimentalInfo": "session", "SessionInfo": "session",
    "SessionWarning": "session",
    "ToolkitInfo": "toolkits", "ToolkitConnection": "toolkits",
    "ToolkitConnectionState": "toolkits", "ToolkitConnectionsDetails": "toolkits",
    "Tool": "tools", "ToolkitRef": "tools",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'composio_router.models' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "UNSET",
    "AuthLink",
    "BatchItemResult",
    "BlockReason",
    "ConfigHistoryEntry",
    "ConnectedAccount",
    "ConnectionStatus",
    "DeletedSession",
    "ExecuteResult",
    "Experimental",
    "FilesPage",
    "HookResult",
    "InputRequest",
    "InstantConfig",
    "ManageConnections",
    "McpServer",
    "MultiAccount",
    "MultiExecuteResult",
    "Page",
    "Permissions",
    "Preload",
    "ProxyExecuteResult",
    "RemoteFile",
    "ResultType",
    "SearchResponse",
    "SearchResult",
    "SearchWorkflow",
    "SessionConfig",
    "SessionExperimentalInfo",
    "SessionInfo",
    "SessionWarning",
    "TagFilter",
    "Tool",
    "ToolFilter",
    "ToolSchemaRef",
    "ToolkitConnection",
    "ToolkitConnectionState",
    "ToolkitConnectionStatus",
    "ToolkitConnectionsDetails",
    "ToolkitFilter",
    "ToolkitInfo",
    "ToolkitRef",
    "Unset",
    "Workbench",
]
