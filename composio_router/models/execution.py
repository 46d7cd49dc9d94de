"""Results of execute, execute_meta and proxy_execute (spec §3.7, §4.10, §13).

A call a session hook blocked (spec §13, ``result_type: "blocked"``) arrives as
``{"result_type": "blocked", "reason": {"type", "hook_id"}, "message", ...}``. It is read
the way the official SDK reads it: the hook's ``message`` becomes ``error`` (what an agent
is shown) and ``reason`` becomes ``block_reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

from attrs import field, frozen

from ._converter import register_wire_mapper

__all__ = [
    "BlockReason",
    "ExecuteResult",
    "HookResult",
    "InputRequest",
    "ProxyExecuteResult",
    "ProxyMethod",
    "ResultType",
]

ProxyMethod: TypeAlias = Literal["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
"""HTTP methods proxy_execute accepts (spec §4.10)."""


class ResultType:
    """Known ``result_type`` values. Unknown values from newer servers are kept as strings."""

    COMPLETED = "completed"
    FAILED = "failed"
    INPUT_REQUIRED = "input_required"
    BLOCKED = "blocked"


@frozen
class BlockReason:
    """Why a session hook blocked a call.

    ``type`` is ``"request_blocked"`` (a ``before_execute`` hook: the tool did not run) or
    ``"response_blocked"`` (an ``after_execute`` hook: the tool ran, its result was withheld);
    ``hook_id`` is the ``id`` of the hook that blocked it.
    """

    type: str
    hook_id: str


@frozen
class HookResult:
    """What one session hook decided about a call.

    ``status`` is ``"evaluated"`` (then ``outcome`` is ``"continue"`` or ``"block"``) or
    ``"unavailable"`` (the hook could not be evaluated; it does not block).
    """

    id: str
    status: str
    outcome: str | None = None


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
    and ``request_state``. A ``blocked`` result (a session hook stopped it) has empty
    ``data``, the hook's message in ``error`` and the hook in ``block_reason``;
    ``hook_results`` lists every hook that applied to the call, blocked or not.
    """

    data: dict[str, Any] = field(factory=dict)
    error: str | None = None
    log_id: str | None = None
    result_type: str | None = None
    instant_charge: dict[str, Any] | None = None
    input_requests: dict[str, InputRequest] | None = None
    request_state: str | None = None
    block_reason: BlockReason | None = None
    hook_results: list[HookResult] | None = None

    @property
    def successful(self) -> bool:
        if self.result_type is not None:
            return self.result_type == ResultType.COMPLETED
        return self.error is None

    @property
    def input_required(self) -> bool:
        return self.result_type == ResultType.INPUT_REQUIRED

    @property
    def blocked(self) -> bool:
        """A session hook blocked the call (see :attr:`block_reason`)."""
        return self.result_type == ResultType.BLOCKED

    def __repr__(self) -> str:
        # `successful` first: it is what a reader of a repr wants to know, and a property
        # attrs would leave out. Fields that are unset are left out too.
        shown = [f"successful={self.successful!r}", f"data={self.data!r}"]
        for name in ("error", "log_id", "result_type", "block_reason", "input_requests", "request_state"):
            value = getattr(self, name)
            if value is not None:
                shown.append(f"{name}={value!r}")
        return f"ExecuteResult({', '.join(shown)})"


@frozen
class ProxyExecuteResult:
    """A proxied third-party API call. ``status`` is the upstream HTTP status (spec §4.10).

    A request a session hook blocked has no ``status``: ``result_type`` is ``"blocked"``,
    ``message`` is the hook's text for the agent and ``block_reason`` names the hook.
    """

    status: int | None = None
    data: Any = None
    headers: dict[str, str] | None = None
    binary_data: dict[str, Any] | None = None
    result_type: str | None = None
    input_requests: dict[str, InputRequest] | None = None
    request_state: str | None = None
    message: str | None = None
    block_reason: BlockReason | None = None
    hook_results: list[HookResult] | None = None

    @property
    def blocked(self) -> bool:
        """A session hook blocked the request (see :attr:`block_reason`)."""
        return self.result_type == ResultType.BLOCKED

    @property
    def successful(self) -> bool:
        """The call ran and upstream answered 2xx."""
        if self.result_type is not None and self.result_type != ResultType.COMPLETED:
            return False
        return self.status is not None and 200 <= self.status < 300


def _blocked_from_wire(raw: Mapping[str, Any], *, message_is_error: bool) -> Mapping[str, Any]:
    """A ``blocked`` answer's wire names (``reason``, ``message``) as the models spell them."""
    if raw.get("result_type") != ResultType.BLOCKED:
        return raw
    out = dict(raw)
    if "block_reason" not in out and "reason" in out:
        out["block_reason"] = out.pop("reason")
    if message_is_error and out.get("error") is None and isinstance(out.get("message"), str):
        out["error"] = out["message"]
    return out


register_wire_mapper(ExecuteResult, lambda raw: _blocked_from_wire(raw, message_is_error=True))
register_wire_mapper(ProxyExecuteResult, lambda raw: _blocked_from_wire(raw, message_is_error=False))
