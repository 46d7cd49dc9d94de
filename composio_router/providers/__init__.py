"""Adapters from the SDK's :class:`~composio_router.models.Tool` to each LLM framework's format.

Pure functions, no I/O, and no provider SDK imported at package import time.
"""

from ._base import IdentityProvider, Provider

__all__ = ["IdentityProvider", "Provider"]
