"""The Composio Tool Router emulator: an offline, in-memory implementation of the Tool
Router HTTP API for testing agents and SDKs over real loopback sockets.

>>> async with Emulator() as emu:          # doctest: +SKIP
...     client = AsyncComposio(api_key="test", base_url=emu.url)

It is written from the wire specification alone and imports nothing from the SDK
(``composio_router``), so a wrong field name in the SDK cannot be mirrored here and go
unnoticed. That is why it is a top-level package of its own, shipped in the same
distribution: importing it does not load the SDK (tests/emulator/test_package_boundary.py
checks both). ``composio_router.testing`` re-exports these names for SDK users.

Run it as a server with ``python -m composio_router_emulator`` (see :mod:`.cli`).
"""

from __future__ import annotations

from ._catalog import Catalog, ToolDef, ToolkitDef
from ._emulator import Emulator
from ._faults import Fault, Faults
from ._hooks import HookCheck
from ._journal import Journal, JournalEntry
from ._state import StoredAccount, StoredSession

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
