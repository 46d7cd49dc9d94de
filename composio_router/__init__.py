"""composio-router: an async-first, typed SDK for Composio's Tool Router.

Async::

    async with AsyncComposio() as composio:
        session = await composio.create(user_id="user-1")
        result = await session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"})

Sync (scripts, notebooks)::

    with Composio() as composio:
        session = composio.create(user_id="user-1")

Offline: ``python -m composio_router emulator`` or ``composio_router.testing.Emulator``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from . import errors, models
from ._version import __version__
from .client import AsyncComposio, AsyncSessions
from .connections import AsyncConnectionRequest
from .custom_tools import CustomTool, CustomToolkit, SessionContext, SyncSessionContext, tool
from .errors import *  # noqa: F403  (the error classes are part of the top-level API)
from .errors import __all__ as _error_names
from .fanout import BatchItemResult, MultiExecuteResult
from .models import (
    UNSET,
    ExecuteResult,
    Experimental,
    InstantConfig,
    ManageConnections,
    MultiAccount,
    Page,
    Permissions,
    Preload,
    TagFilter,
    Tool,
    ToolFilter,
    ToolkitFilter,
    Workbench,
)
from .session import AsyncSession

if TYPE_CHECKING:
    from ._sync import Composio, ConnectionRequest, Session, Sessions

# Library logging: silent unless the application configures handlers.
logging.getLogger("composio_router").addHandler(logging.NullHandler())

# The sync facade spins up nothing at import, but it is generated code the async user
# never needs: load it on first use.
_LAZY = {"Composio", "Session", "Sessions", "ConnectionRequest"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import _sync

        return getattr(_sync, name)
    raise AttributeError(f"module 'composio_router' has no attribute {name!r}")


__all__ = [
    "UNSET",
    "AsyncComposio",
    "AsyncConnectionRequest",
    "AsyncSession",
    "AsyncSessions",
    "BatchItemResult",
    "Composio",
    "ConnectionRequest",
    "CustomTool",
    "CustomToolkit",
    "ExecuteResult",
    "Experimental",
    "InstantConfig",
    "ManageConnections",
    "MultiAccount",
    "MultiExecuteResult",
    "Page",
    "Permissions",
    "Preload",
    "Session",
    "SessionContext",
    "Sessions",
    "SyncSessionContext",
    "TagFilter",
    "Tool",
    "ToolFilter",
    "ToolkitFilter",
    "Workbench",
    "__version__",
    "errors",
    "models",
    "tool",
    *_error_names,
]
