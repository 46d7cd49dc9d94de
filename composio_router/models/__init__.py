"""Typed payloads of the Tool Router API: attrs classes only, no I/O."""

from ._unset import UNSET, Unset
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
