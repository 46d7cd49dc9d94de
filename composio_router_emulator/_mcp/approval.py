"""Asking the user before a tool that needs approval runs (``require_approval`` lists and
``experimental.permissions``, spec §3.2).

* A legacy-era client that declared the ``elicitation`` capability is asked with an
  ``elicitation/create`` request on the response stream of its ``tools/call``; its answer
  comes back as a separate POST (a JSON-RPC response) and decides.
* A 2026-07-28 client is asked through the result itself (``input_required``, built by
  :mod:`.tools`), so it needs no approver here.
* A client that cannot be asked gets the session's ``no_elicitation_support_fallback``:
  ``"deny"`` (the default) or ``"allow"``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .._engine import ApprovalRequest, Approver
from .._state import StoredSession
from .protocol import Revision
from .sessions import McpSession

__all__ = ["ELICITATION_TIMEOUT", "elicit_over", "fallback"]

# How long a question waits for the user. A client that never answers must not hold the
# request (and the emulator's stop) forever; no answer counts as "cancel".
ELICITATION_TIMEOUT = 300.0

Send = Callable[[Mapping[str, Any]], Awaitable[None]]


def fallback(session: StoredSession) -> Approver:
    """The answer when the client cannot be asked (spec §3.2, absent = deny)."""
    allow = session.experimental.get("no_elicitation_support_fallback") == "allow"

    async def answer(_: ApprovalRequest) -> str:
        # Anything but "accept" refuses; the engine quotes it in the tool's error.
        return (
            "accept"
            if allow
            else "the MCP client cannot ask the user, and this session's no_elicitation_support_fallback is deny"
        )

    return answer


def elicit_over(send: Send, mcp: McpSession, revision: Revision) -> Approver:
    """Ask with ``elicitation/create`` written by ``send`` (the tools/call SSE stream)."""

    async def ask(question: ApprovalRequest) -> str:
        request_id = mcp.next_request_id()
        params: dict[str, Any] = {
            "message": question.message,
            "requestedSchema": question.requested_schema,
        }
        if revision.elicitation_mode:
            params["mode"] = "form"
        future: asyncio.Future[Mapping[str, Any]] = asyncio.get_running_loop().create_future()
        mcp.pending[request_id] = future
        try:
            await send(
                {
                    "jsonrpc": "2.0",
                    "id": request_id,
                    "method": "elicitation/create",
                    "params": params,
                }
            )
            reply = await asyncio.wait_for(future, ELICITATION_TIMEOUT)
        except (TimeoutError, asyncio.CancelledError, ConnectionError):
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the request itself is being cancelled (the emulator is stopping)
            return "cancel"  # no answer in time, the session ended, or the stream broke
        finally:
            mcp.pending.pop(request_id, None)
        result = reply.get("result")
        action = result.get("action") if isinstance(result, Mapping) else None
        # An error answer, or an action this revision does not define: nothing was approved.
        return action if action in ("accept", "decline", "cancel") else "cancel"

    return ask
