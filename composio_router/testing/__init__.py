"""The Tool Router emulator, under the SDK's name: a re-export of :mod:`composio_router_emulator`.

The emulator is its own top-level package (shipped in this distribution) because it is
written from the wire specification and must not use the SDK's code; this module keeps
``from composio_router.testing import Emulator`` working for SDK users. Importing it
loads the SDK (it lives inside ``composio_router``); import ``composio_router_emulator``
directly where that matters.
"""

from __future__ import annotations

from composio_router_emulator import (
    Catalog,
    Emulator,
    Fault,
    Faults,
    HookCheck,
    Journal,
    JournalEntry,
    StoredAccount,
    StoredSession,
    ToolDef,
    ToolkitDef,
)

__all__ = [
    "Catalog",
    "Emulator",
    "Fault",
    "Faults",
    "HookCheck",
    "Journal",
    "JournalEntry",
    "StoredAccount",
    "StoredSession",
    "ToolDef",
    "ToolkitDef",
]
