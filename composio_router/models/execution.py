"""Results of execute, execute_meta and proxy_execute (spec §3.7, §4.10)."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from attrs import field, frozen

__all__ = ["ExecuteResult", "InputRequest", "ProxyExecuteResult", "ProxyMethod", "ResultType"]

ProxyMethod: TypeAlias = Literal["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
"""HTTP methods proxy_execute accepts (spec §4.10)."""


class ResultType:
    """Known ``result_type`` values. Unknown values from newer servers are kept as strings."""

    COMPLETED = "completed"
    FAILED = "failed"
    INPUT_REQUIRED = "input_required"


@frozen
class InputRequest:
    """One approval question of an ``input_required`` result (spec §3.7)."""

    message: str = ""
    type: str = "elicitation"
    mode: str = "form"
    requested_schema: dict[str, Any] = field(factory=dict)


@frozen
class ExecuteResult:
    """The outcome of one tool call.

    ``successful`` follows spec §3.7 / §14 #4: ``result_type == "completed"`` when the
    server sent a ``result_type``, else ``error is None``. An ``input_required`` result
    did not run: answer ``input_requests`` by repeating the call with ``input_responses``
    and ``request_state``.
    """

    data: dict[str, Any] = field(factory=dict)
    error: str | None = None
    log_id: str | None = None
    result_type: str | None = None
    instant_charge: dict[str, Any] | None = None
    input_requests: dict[str, InputRequest] | None = None
    request_state: str | None = None

    @property
    def successful(self) -> bool:
        if self.result_type is not None:
            return self.result_type == ResultType.COMPLETED
        return self.error is None

    @property
    def input_required(self) -> bool:
        return self.result_type == ResultType.INPUT_REQUIRED


@frozen
class ProxyExecuteResult:
    """A proxied third-party API call. ``status`` is the upstream HTTP status (spec §4.10)."""

    status: int | None = None
    data: Any = None
    headers: dict[str, str] | None = None
    binary_data: dict[str, Any] | None = None
    result_type: str | None = None
    input_requests: dict[str, InputRequest] | None = None
    request_state: str | None = None

    @property
    def successful(self) -> bool:
        """The call ran and upstream answered 2xx."""
        if self.result_type is not None and self.result_type != ResultType.COMPLETED:
            return False
        return self.status is not None and 200 <= self.status < 300
