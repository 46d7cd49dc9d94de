"""A model's tool calls in provider-neutral form, and their outcomes.

Providers read a framework's response into :class:`ToolCallRequest` objects and write
:class:`ToolOutput` objects back as that framework's messages; the session runs the
calls in between. Tool results reach the model as the compact JSON (orjson) of
``{"successful": bool, "data": ..., "error": str | None}``: the same for every provider.
"""

from __future__ import annotations

from typing import Any

import orjson
from attrs import frozen

from .batch import BatchItemResult

__all__ = ["ToolCallRequest", "ToolOutput"]


@frozen
class ToolCallRequest:
    """One tool call a model asked for, in provider-neutral form.

    ``arguments`` is None when they could not be read (``error`` says why): that
    call is answered with an error and not run.
    """

    id: str | None
    name: str
    arguments: dict[str, Any] | None
    error: str | None = None


@frozen
class ToolOutput:
    """The outcome of one :class:`ToolCallRequest`."""

    call: ToolCallRequest
    successful: bool
    data: Any
    error: str | None
    item: BatchItemResult | None = None
    """The batch slot the call ran in; None if it never ran (unreadable arguments)."""

    def payload(self) -> dict[str, Any]:
        """What the model is shown: ``{"successful", "data", "error"}``."""
        return {"successful": self.successful, "data": self.data, "error": self.error}

    def content(self) -> str:
        """:meth:`payload` as compact JSON (non-JSON values from custom tools become strings)."""
        return orjson.dumps(self.payload(), default=str).decode()
