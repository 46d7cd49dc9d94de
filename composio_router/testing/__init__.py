"""The Composio Tool Router emulator: an offline, in-memory implementation of the Tool
Router HTTP API for testing agents and SDKs over real loopback sockets.

>>> async with Emulator() as emu:          # doctest: +SKIP
...     client = AsyncComposio(api_key="test", base_url=emu.url)

It is written from the wire specification alone and imports nothing from the SDK, so a
wrong field name in the SDK cannot be mirrored here and go unnoticed.
"""

from __future__ import annotations

from ._catalog import Catalog, ToolDef, ToolkitDef
from ._emulator import Emulator
from ._faults import Fault, Faults
from ._journal import Journal, JournalEntry
from ._state import ConnectedAccount, StoredSession

__all__ = [
    "Catalog",
    "ConnectedAccount",
    "Emulator",
    "Fault",
    "Faults",
    "Journal",
    "JournalEntry",
    "StoredSession",
    "ToolDef",
    "ToolkitDef",
]
