"""Session hooks (spec §13): checks that can block a tool call before it runs, or its result.

A session's ``hooks`` (create or PATCH) are ``before_execute`` or ``after_execute``
hooks that apply to ``"all"`` toolkits or to ``{"toolkits": [...]}``. They run on app
tool calls (``/execute``, each item of ``COMPOSIO_MULTI_EXECUTE_TOOL``, the MCP
endpoint's ``tools/call``) and on ``proxy_execute`` calls, which are checked as the tool
``COMPOSIO_PROXY_EXECUTE`` with ``{method, endpoint, body, parameters}`` as arguments.
Meta tools themselves are not hooked.

The real service judges a condition with a model. The emulator judges deterministically,
so a test's blocked path is repeatable:

* ``condition_check`` matches when one of the phrases the condition quotes (in ``'…'``,
  ``"…"`` or backticks) occurs, case-insensitively, in the call's text. Before the call
  that text is the tool slug plus every key and value of its arguments; after it, every
  key and value of the tool's result data. A condition that quotes nothing never
  matches. ``"Sending email whose subject mentions 'pricing'"`` blocks a call whose
  arguments contain "pricing" anywhere.
* ``prompt_injection_check`` (after only) matches a result whose text contains one of
  :data:`INJECTION_PHRASES`.

A test may plug in its own judge (``Emulator(hook_judge=...)``): a function that takes a
:class:`HookCheck` and returns True to block or False to let the call continue, or an
awaitable of that. A judge that raises makes that hook ``unavailable``; like the service,
it then does not block.

Every hook that applied is reported in ``hook_results`` (``{"id", "status":
"evaluated", "outcome": "continue" | "block"}`` or ``{"id", "status": "unavailable"}``);
the first blocking hook answers the call with ``result_type: "blocked"``.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ._validation import Arr, ByType, Obj, Str, opt, req
from ._wire import new_id

__all__ = [
    "HOOKS_SCHEMA",
    "INJECTION_PHRASES",
    "PROXY_TOOL",
    "HookCheck",
    "HookJudge",
    "HookOutcome",
    "blocked_answer",
    "default_judge",
    "run_hooks",
]

log = logging.getLogger("composio_router_emulator")

PROXY_TOOL = "COMPOSIO_PROXY_EXECUTE"
INJECTION_PHRASES = (
    "ignore previous instructions",
    "ignore all previous instructions",
    "disregard previous instructions",
    "ignore the above instructions",
    "you are now in developer mode",
)
_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"|`([^`]+)`")


def _check_hook(value: Mapping[str, Any], path: str, errs: list[str]) -> None:
    for key, member in value.items():
        if member is None:  # PATCH mode would let a null through; no hook member is nullable
            errs.append(f"{path}.{key}: must not be null")
    handler = value.get("handler")
    if not isinstance(handler, dict):
        return
    kind = handler.get("type")
    if kind == "condition_check" and not isinstance(handler.get("condition"), str):
        errs.append(f"{path}.handler.condition: required field 'condition' is missing")
    if kind == "prompt_injection_check":
        if "condition" in handler:
            errs.append(f"{path}.handler.condition: unknown field 'condition' is not allowed")
        if value.get("type") != "after_execute":
            errs.append(f"{path}.handler: prompt_injection_check only works in after_execute hooks")


HOOKS_SCHEMA = Obj(
    {
        "type": req(Str(enum=("before_execute", "after_execute"))),
        "id": req(Str(1)),
        "name": opt(Str(1)),
        "applies_to": req(
            ByType({"string": Str(enum=("all",)), "object": Obj({"toolkits": req(Arr(Str(1), 1))})})
        ),
        "handler": req(
            Obj(
                {
                    "type": req(Str(enum=("condition_check", "prompt_injection_check"))),
                    "condition": opt(Str(1)),
                    "action": req(Str(enum=("block",))),
                }
            )
        ),
    },
    _check_hook,
)


@attrs.frozen
class HookCheck:
    """What a hook judge is asked: does this hook block this call?

    ``stage`` is ``"before_execute"`` (``result`` is None) or ``"after_execute"``;
    ``handler`` is ``"condition_check"`` (with its ``condition``) or
    ``"prompt_injection_check"``.
    """

    hook_id: str
    hook_name: str | None
    stage: str
    handler: str
    condition: str | None
    tool_slug: str
    toolkit: str
    arguments: Mapping[str, Any]
    result: Mapping[str, Any] | None = None


HookJudge = Callable[[HookCheck], "bool | Awaitable[bool]"]


@attrs.frozen
class HookOutcome:
    """The hooks of one stage: their results, and the hook that blocked, if one did."""

    results: list[dict[str, Any]]
    blocking: Mapping[str, Any] | None = None


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif value is not None:
        yield str(value)


def call_text(check: HookCheck) -> str:
    """The text a condition is matched against (see the module docstring)."""
    if check.stage == "before_execute":
        parts = [check.tool_slug, *_texts(check.arguments)]
    else:
        parts = list(_texts(check.result or {}))
    return "\n".join(parts).lower()


def default_judge(check: HookCheck) -> bool:
    """The emulator's deterministic rule (see the module docstring)."""
    text = call_text(check)
    if check.handler == "prompt_injection_check":
        return any(phrase in text for phrase in INJECTION_PHRASES)
    phrases = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(check.condition or "")]
    return any(phrase.strip().lower() in text for phrase in phrases if phrase.strip())


def applies(hook: Mapping[str, Any], toolkit: str) -> bool:
    scope = hook["applies_to"]
    if scope == "all":
        return True
    return toolkit.lower() in {t.lower() for t in scope.get("toolkits") or ()}


async def run_hooks(
    hooks: Sequence[Mapping[str, Any]],
    stage: str,
    judge: HookJudge | None,
    *,
    tool_slug: str,
    toolkit: str,
    arguments: Mapping[str, Any],
    result: Mapping[str, Any] | None = None,
) -> HookOutcome:
    """Evaluate the session's ``stage`` hooks that apply to this call, in their order."""
    results: list[dict[str, Any]] = []
    blocking: Mapping[str, Any] | None = None
    for hook in hooks:
        if hook["type"] != stage or not applies(hook, toolkit):
            continue
        handler = hook["handler"]
        check = HookCheck(
            hook_id=hook["id"], hook_name=hook.get("name"), stage=stage, handler=handler["type"],
            condition=handler.get("condition"), tool_slug=tool_slug, toolkit=toolkit,
            arguments=arguments, result=result,
        )
        try:
            verdict = (judge or default_judge)(check)
            if inspect.isawaitable(verdict):
                verdict = await verdict
        except Exception:
            log.exception("hook judge failed on hook %s", hook["id"])
            results.append({"id": hook["id"], "status": "unavailable"})
            continue
        block = bool(verdict)
        results.append({"id": hook["id"], "status": "evaluated", "outcome": "block" if block else "continue"})
        if block and blocking is None:
            blocking = hook
    return HookOutcome(results, blocking)


def blocked_answer(
    hook: Mapping[str, Any], stage: str, hook_results: list[dict[str, Any]], *, with_log_id: bool = True
) -> dict[str, Any]:
    """The §13 ``blocked`` answer; its ``message`` is for the agent and names the hook."""
    who = f"session hook {hook['name']!r}" if hook.get("name") else "a session hook"
    if stage == "before_execute":
        kind, message = "request_blocked", f"This tool call was blocked by {who} before it ran."
    else:
        kind, message = "response_blocked", f"The result of this tool call was blocked by {who}."
    out: dict[str, Any] = {
        "result_type": "blocked",
        "reason": {"type": kind, "hook_id": hook["id"]},
        "message": message,
        "hook_results": hook_results,
    }
    if with_log_id:
        out["log_id"] = new_id("log_")
    return out
