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

import importlib
import logging
from typing import TYPE_CHECKING, Any

from . import errors
from ._version import __version__
from .client import AsyncComposio, AsyncSessions
from .errors import *  # noqa: F403  (the error classes are part of the top-level API)
from .errors import __all__ as _error_names
from .models._unset import UNSET

if TYPE_CHECKING:
    from . import models
    from ._sync import (
        Composio,
        ConnectionRequest,
        RemoteFileHandle,
        Session,
        SessionExperimental,
        SessionFiles,
        Sessions,
    )
    from .connections import AsyncConnectionRequest
    from .custom_tools import CustomTool, CustomToolkit, SessionContext, SyncSessionContext, tool
    from .experimental import AsyncSessionExperimental
    from .files import AsyncRemoteFileHandle, AsyncSessionFiles
    from .models import ExecuteResult, Page, Tool
    from .models.batch import BatchItemResult, MultiExecuteResult
    from .models.config import (
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
    from .modifiers import after_execute, before_execute, schema_modifier
    from .session import AsyncSession
    from .session_config import SessionCreateSettings, SessionHook, SessionSettings

# Library logging: silent unless the application configures handlers.
logging.getLogger("composio_router").addHandler(logging.NullHandler())
# Every line the SDK's loggers write is scrubbed of registered keys (filters apply per logger).
logging.getLogger("composio_router").addFilter(errors.SecretScrubbingFilter())

# Loaded on first use, so `import composio_router` stays close to the cost of aiohttp
# itself (the benchmarks' import-time target): the session layer and its models load
# with a client's first session; the sync facade, custom tools and the config models
# are not needed by every program.
_LAZY = {
    "models": "models", "AsyncSession": "session", "AsyncConnectionRequest": "connections",
    "ExecuteResult": "models", "Page": "models", "Tool": "models",
    "BatchItemResult": "models.batch", "MultiExecuteResult": "models.batch",
    "Composio": "_sync", "Session": "_sync", "Sessions": "_sync", "ConnectionRequest": "_sync",
    "SessionFiles": "_sync", "RemoteFileHandle": "_sync", "SessionExperimental": "_sync",
    "AsyncSessionExperimental": "experimental",
    "AsyncSessionFiles": "files", "AsyncRemoteFileHandle": "files",
    "CustomTool": "custom_tools", "CustomToolkit": "custom_tools", "SessionContext": "custom_tools",
    "SyncSessionContext": "custom_tools", "tool": "custom_tools",
    "after_execute": "modifiers", "before_execute": "modifiers", "schema_modifier": "modifiers",
    "SessionSettings": "session_config", "SessionCreateSettings": "session_config",
    "SessionHook": "session_config",
    "Experimental": "models.config", "InstantConfig": "models.config",
    "ManageConnections": "models.config", "MultiAccount": "models.config",
    "Permissions": "models.config", "Preload": "models.config", "TagFilter": "models.config",
    "ToolFilter": "models.config", "ToolkitFilter": "models.config", "Workbench": "models.config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'composio_router' has no attribute {name!r}")
    imported = importlib.import_module(f"{__name__}.{module}")
    return imported if name == module else getattr(imported, name)


__all__ = [
    "UNSET",
    "AsyncComposio",
    "AsyncConnectionRequest",
    "AsyncRemoteFileHandle",
    "AsyncSession",
    "AsyncSessionExperimental",
    "AsyncSessionFiles",
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
    "RemoteFileHandle",
    "Session",
    "SessionContext",
    "SessionCreateSettings",
    "SessionExperimental",
    "SessionFiles",
    "SessionHook",
    "SessionSettings",
    "Sessions",
    "SyncSessionContext",
    "TagFilter",
    "Tool",
    "ToolFilter",
    "ToolkitFilter",
    "Workbench",
    "__version__",
    "after_execute",
    "before_execute",
    "errors",
    "models",
    "schema_modifier",
    "tool",
    *_error_names,
]
