"""The emulator's pytest fixtures under the SDK's name; see :mod:`composio_router_emulator.pytest_plugin`.

Enable them in your ``conftest.py`` with either name::

    pytest_plugins = ["composio_router.testing.pytest_plugin"]
    pytest_plugins = ["composio_router_emulator.pytest_plugin"]   # without loading the SDK

pytest collects fixtures from a plugin module's namespace, so the re-exported functions
register here exactly as they do in their own module.
"""

from __future__ import annotations

from composio_router_emulator.pytest_plugin import composio_emulator, composio_emulator_thread

__all__ = ["composio_emulator", "composio_emulator_thread"]
