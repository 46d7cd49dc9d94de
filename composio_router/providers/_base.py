"""The provider contract: how a session's tools are handed to an LLM framework."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..models.tools import Tool

__all__ = ["IdentityProvider", "Provider"]

T_co = TypeVar("T_co", covariant=True)


@runtime_checkable
class Provider(Protocol[T_co]):
    """Turns the SDK's tool schemas into one framework's tool collection."""

    name: str

    def wrap_tools(self, tools: Sequence[Tool], *, modifiers: Any = None) -> T_co:
        """Convert ``tools``; ``modifiers`` may rewrite schemas first."""
        ...


class IdentityProvider:
    """Hands out the SDK's own :class:`Tool` models unchanged."""

    name = "identity"

    def wrap_tools(self, tools: Sequence[Tool], *, modifiers: Any = None) -> list[Tool]:
        return list(tools)
