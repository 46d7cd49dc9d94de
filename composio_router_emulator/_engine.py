"""Tool execution: app tools, meta tools (§7), accounts, links, search payloads, proxy.

Request-level problems raise :class:`ApiError` (an HTTP 4xx); tool-level problems become
``result_type: "failed"`` results with a 200 (spec §3.7, §14 #3).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import attrs
import orjson

from . import _meta_tools as meta
from ._catalog import ToolCall, ToolDef, ToolError, check_arguments
from ._customs import EMPTY, CustomSet
from ._hooks import PROXY_TOOL, HookJudge, HookOutcome, blocked_answer, run_hooks
from ._search import SearchIndex
from ._state import State, StoredAccount, StoredSession
from ._wire import ApiError, bad_request, iso, new_id

__all__ = ["ApprovalRequest", "Approver", "Engine", "completed", "failed"]

log = logging.getLogger("composio_router_emulator")

CUSTOM_NOT_EXECUTABLE = (
    "Custom tools (LOCAL_…) cannot be executed by the Tool Router backend: "
    "they run in the SDK process that defined them."
)
Result = dict[str, Any]
MetaHandler = Callable[
    [StoredSession, Mapping[str, Any], CustomSet], Awaitable[tuple[Any, str | None]]
]
# What the session's approval rules (require_approval lists, experimental.permissions) say
# about one call: run it, refuse it, or ask the user (every time, or once per session).
Rule = Literal["allow", "deny", "ask", "ask_once"]
_APPROVAL_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"note": {"type": "string"}}}


@attrs.frozen
class ApprovalRequest:
    """The question put to the user before a call that needs approval."""

    slug: str
    arguments: Mapping[str, Any]
    message: str
    requested_schema: dict[str, Any]


# Asks the user synchronously (the MCP endpoint's elicitation, or its fallback) and returns
# "accept", or why not ("decline", "cancel", a reason). Without one, /execute answers
# `input_required` and the caller repeats the call with the answer (spec §3.7).
Approver = Callable[[ApprovalRequest], Awaitable[str]]


def completed(data: Any) -> Result:
    return {"result_type": "completed", "data": data, "error": None, "log_id": new_id("log_")}


def failed(error: str, data: Any = None) -> Result:
    return {
        "result_type": "failed",
        "data": data if data is not None else {},
        "error": error,
        "log_id": new_id("log_"),
    }


def _state_token(slug: str, arguments: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    return "rs_" + hashlib.sha256(f"{slug}:{digest}".encode()).hexdigest()[:24]


class Engine:
    def __init__(self, state: State, index: SearchIndex) -> None:
        self.state = state
        self.catalog = state.catalog
        self.index = index
        self.base_url = ""
        self.multi_execute_limit = 50
        # Decides whether a session hook blocks a call; None: the documented default rule.
        self.hook_judge: HookJudge | None = None
        self._meta: dict[str, MetaHandler] = {
            meta.SEARCH: self._meta_search,
            meta.SCHEMAS: self._meta_schemas,
            meta.MULTI: self._meta_multi,
            meta.MANAGE: self._meta_manage,
            meta.WAIT: self._meta_wait,
            meta.WORKBENCH: self._meta_workbench,
            meta.BASH: self._meta_bash,
            meta.FEEDBACK: self._meta_feedback,
            meta.PROXY: self._meta_proxy,
        }

    # --- entry points ------------------------------------------------------------------------

    async def execute(
        self,
        session: StoredSession,
        slug: str,
        arguments: Mapping[str, Any],
        *,
        account: str | None = None,
        customs: CustomSet = EMPTY,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        approve: Approver | None = None,
    ) -> Result:
        if slug.startswith("LOCAL_"):
            raise ApiError(
                400, f"{CUSTOM_NOT_EXECUTABLE} ({slug})", "ToolRouter_CustomToolNotExecutable"
            )
        if slug in meta.META_JSON:
            if slug not in session.tool_router_tools:
                raise ApiError(
                    400,
                    f"Meta tool {slug} is not enabled in this session",
                    "ToolRouter_ToolNotAllowed",
                )
            return await self.run_meta(session, slug, arguments, customs, approve)
        tool = self.catalog.tools.get(slug)
        if tool is None:
            raise ApiError(400, f"Tool {slug} not found", "ToolRouter_ToolNotFound")
        if slug not in session.policy.allowed:
            raise ApiError(
                400,
                f"Tool {slug} is not allowed by this session's configuration",
                "ToolRouter_ToolNotAllowed",
            )
        before = await self._hooks(session, "before_execute", tool, arguments)
        if before.blocking is not None:
            return blocked_answer(before.blocking, "before_execute", before.results)
        once_key = self._once_key(session, tool, account)
        rule = self.approval_rule(session, slug, once_key)
        if rule == "deny":
            return failed(f"Execution of {slug} is denied by this session's permissions")
        if rule != "allow":
            if approve is not None:
                action = await approve(self.approval_request(slug, arguments))
                if action != "accept":
                    return failed(f"Execution of {slug} was not approved by the user ({action})")
            else:
                gate = self._approval(slug, arguments, input_responses, request_state)
                if gate is not None:
                    return gate
            if rule == "ask_once":
                session.approved.add(once_key)
        data, error = await self.run_app_tool(session, tool, arguments, account)
        after = await self._hooks(session, "after_execute", tool, arguments, data)
        hook_results = before.results + after.results
        if after.blocking is not None:
            return blocked_answer(after.blocking, "after_execute", hook_results)
        result = failed(error, data) if error is not None else completed(data)
        if hook_results:
            result["hook_results"] = hook_results
        return result

    async def _hooks(
        self,
        session: StoredSession,
        stage: str,
        tool: ToolDef,
        arguments: Mapping[str, Any],
        result: Mapping[str, Any] | None = None,
    ) -> HookOutcome:
        """The session's ``stage`` hooks on one app tool call (spec §13, see :mod:`._hooks`)."""
        return await run_hooks(
            session.hooks, stage, self.hook_judge, tool_slug=tool.slug, toolkit=tool.toolkit,
            arguments=arguments, result=result,
        )

    async def run_meta(
        self,
        session: StoredSession,
        slug: str,
        arguments: Mapping[str, Any],
        customs: CustomSet,
        approve: Approver | None = None,
    ) -> Result:
        problem = check_arguments(meta.META_JSON[slug]["input_parameters"], arguments)
        if problem:
            return failed(f"Invalid arguments for {slug}: {problem}")
        handler = self._meta[slug]
        if slug == meta.MULTI:
            # Only multi-execute runs app tools, so only it can need the user's approval.
            handler = functools.partial(self._meta_multi, approve=approve)
        try:
            data, error = await handler(session, arguments, customs)
        except ToolError as exc:
            return failed(str(exc))
        if error is not None:
            return {"result_type": "failed", "data": data, "error": error, "log_id": new_id("log_")}
        return completed(data)

    async def run_app_tool(
        self,
        session: StoredSession,
        tool: ToolDef,
        arguments: Mapping[str, Any],
        account_ref: str | None,
    ) -> tuple[dict[str, Any], str | None]:
        problem = check_arguments(tool.input_schema, arguments)
        if problem:
            return {}, f"Invalid arguments for {tool.slug}: {problem}"
        account: StoredAccount | None = None
        if not tool.no_auth:
            account, err = self.resolve_account(session, tool.toolkit, account_ref)
            if err is not None:
                return {}, err
        assert tool.handler is not None
        call = ToolCall(
            user_id=session.user_id,
            arguments=arguments,
            account_id=account.id if account else None,
            account_alias=account.alias if account else None,
            data=self.state.user(session.user_id),
        )
        try:
            out = tool.handler(call)
            if tool.is_async:
                out = await out  # type: ignore[misc]
        except ToolError as exc:
            return {}, str(exc)
        except Exception:  # a bug in a demo tool must not take the request down
            log.exception("demo tool %s crashed", tool.slug)
            return {}, f"Internal error while executing {tool.slug}"
        return out, None  # type: ignore[return-value]

    # --- the session's tools --------------------------------------------------------------------

    def preloaded_tools(self, session: StoredSession) -> list[str]:
        """The app tools the session preloads (§3.2 ``preload``)."""
        tools = session.config["preload"]["tools"]
        if tools == "all":
            return [slug for slug in self.catalog.tools if slug in session.policy.allowed][:1000]
        return [slug for slug in tools if slug in self.catalog.tools]

    def session_tools(self, session: StoredSession, *, customs: bool = True) -> list[dict[str, Any]]:
        """The §9 ``Tool`` objects a session exposes, in order: its meta tools, its preloaded
        app tools, then (``customs``) the inline custom tools of its last create or attach."""
        tools = [meta.META_JSON[slug] for slug in session.tool_router_tools]
        tools += [self.catalog.json[slug] for slug in self.preloaded_tools(session)]
        if customs:
            tools += list(session.customs.json.values())
        return tools

    # --- accounts ----------------------------------------------------------------------------

    def resolve_account(
        self, session: StoredSession, toolkit: str, ref: str | None
    ) -> tuple[StoredAccount | None, str | None]:
        user = session.user_id
        pinned = (session.config.get("connected_accounts") or {}).get(toolkit)
        if pinned:
            candidates = [self.state.accounts[i] for i in pinned if i in self.state.accounts]
        else:
            candidates = self.state.accounts_for(user, toolkit)
        if ref:
            match = [ca for ca in candidates if ref in (ca.id, ca.word_id, ca.alias)]
            if not match:
                return (
                    None,
                    f"Connected account '{ref}' not found for toolkit '{toolkit}' of user '{user}'",
                )
            ca = match[0]
            if ca.status != "ACTIVE" or ca.is_disabled:
                return None, f"Connected account '{ca.id}' is not active (status {ca.status})"
            if not ca.acl_allows(user):
                return None, f"User '{user}' may not use shared account '{ca.id}'"
            return ca, None
        active = [
            ca
            for ca in candidates
            if ca.status == "ACTIVE" and not ca.is_disabled and ca.acl_allows(user)
        ]
        if not active:
            return None, (
                f"No active connection found for toolkit '{toolkit}' for user '{user}'. "
                f"Connect it with COMPOSIO_MANAGE_CONNECTIONS or a link."
            )
        if len(active) > 1:
            multi = session.config.get("multi_account") or {}
            if multi.get("enable") and not multi.get("require_explicit_selection"):
                return active[0], None
            listing = ", ".join(f"{ca.id} ({ca.alias or ca.word_id})" for ca in active)
            return None, (
                f"Multiple connected accounts for toolkit '{toolkit}': {listing}. "
                "Pass `account` (id, word_id or alias) to choose one."
            )
        return active[0], None

    def create_link(
        self,
        session: StoredSession,
        toolkit: str,
        *,
        callback_url: str | None = None,
        alias: str | None = None,
        account_type: str = "PRIVATE",
        acl: dict[str, Any] | None = None,
    ) -> StoredAccount:
        mc = session.config.get("manage_connections") or {}
        ca = self.state.create_account(
            session.user_id,
            toolkit,
            status="INITIATED",
            alias=alias,
            account_type=account_type,
            acl=acl,
            callback_url=callback_url or mc.get("callback_url"),
            auth_config_id=(session.config.get("auth_configs") or {}).get(toolkit),
            with_link=True,
        )
        base = session.experimental.get("link_url_overwrite") or self.base_url
        ca.redirect_url = f"{base.rstrip('/')}/link/{ca.link_token}"
        return ca

    def connection_status(
        self, session: StoredSession, slug: str, customs: CustomSet
    ) -> dict[str, Any]:
        tk = self.catalog.toolkits.get(slug)
        if tk is None:
            desc = next(
                (e["description"] for e in customs.toolkits_echo if e["slug"].lower() == slug),
                "Custom tools",
            )
            return {
                "toolkit": slug,
                "description": desc,
                "has_active_connection": True,
                "status_message": "Custom tools run in your application; no connection is needed.",
            }
        if tk.no_auth:
            return {
                "toolkit": slug,
                "description": tk.description,
                "has_active_connection": True,
                "status_message": f"{tk.name} needs no authentication; execute its tools directly.",
            }
        pinned = (session.config.get("connected_accounts") or {}).get(slug)
        candidates = (
            [self.state.accounts[i] for i in pinned if i in self.state.accounts]
            if pinned
            else self.state.accounts_for(session.user_id, slug)
        )
        active = [ca for ca in candidates if ca.status == "ACTIVE" and not ca.is_disabled]
        out: dict[str, Any] = {"toolkit": slug, "description": tk.description}
        if not active:
            out["has_active_connection"] = False
            out["status_message"] = (
                f"No active {tk.name} connection. Call {meta.MANAGE} with toolkits ['{slug}']."
            )
            return out
        first = active[0]
        out["has_active_connection"] = True
        out["status_message"] = f"{tk.name} is connected; you can execute its tools."
        out["connection_details"] = {
            "connected_account_id": first.id,
            "auth_config_id": first.auth_config_id,
        }
        out["current_user_info"] = {"user_id": session.user_id, "alias": first.alias}
        out["account_type"] = first.account_type
        if len(active) > 1 or (session.config.get("multi_account") or {}).get("enable"):
            out["accounts"] = [
                {
                    "id": ca.id,
                    "created_at": iso(ca.created),
                    "is_default": i == 0,
                    "status": "active",
                    "alias": ca.alias,
                    "account_type": ca.account_type,
                }
                for i, ca in enumerate(active)
            ]
            if len(active) > 1:
                out["account_selection"] = "required"
        return out

    # --- approval (rc19 input_required, experimental.permissions) ------------------------------

    def _once_key(self, session: StoredSession, tool: ToolDef, account_ref: str | None) -> str:
        """The permissions key of a call (§3.2 PermissionsCfg): ``SLUG:account`` or ``SLUG:__none__``."""
        account_id = "__none__"
        if not tool.no_auth:
            account, _ = self.resolve_account(session, tool.toolkit, account_ref)
            if account is not None:
                account_id = account.id
        return f"{tool.slug}:{account_id}"

    def approval_rule(self, session: StoredSession, slug: str, once_key: str) -> Rule:
        """Whether a call may run, per §3.2: an override (exact tool key, then ``*:``) beats
        ``require_approval`` and the default; ``ask_once`` answers are remembered per session."""
        perms = session.experimental.get("permissions") or {}
        overrides = perms.get("overrides") or {}
        account_part = once_key.split(":", 1)[1]
        rule = overrides.get(once_key) or overrides.get(f"*:{account_part}")
        if rule == "always_deny":
            return "deny"
        if rule == "always_allow":
            return "allow"
        if rule == "ask_always":
            return "ask"
        if rule == "ask_once":
            return "allow" if once_key in session.approved else "ask_once"
        if slug in session.policy.approval:
            return "ask"
        default = perms.get("default", "allow_all")
        if default == "ask_every_call":
            return "ask"
        if default == "ask_once_per_session":
            return "allow" if once_key in session.approved else "ask_once"
        return "allow"

    def approval_request(self, slug: str, arguments: Mapping[str, Any]) -> ApprovalRequest:
        return ApprovalRequest(
            slug=slug,
            arguments=arguments,
            message=f"Allow running {slug} with the given arguments?",
            requested_schema=_APPROVAL_SCHEMA,
        )

    def _approval(
        self,
        slug: str,
        arguments: Mapping[str, Any],
        input_responses: Mapping[str, Any] | None,
        request_state: str | None,
    ) -> Result | None:
        token = _state_token(slug, arguments)
        request_id = "req_" + token[3:11]
        if input_responses is None:
            return {
                "result_type": "input_required",
                "input_requests": {
                    request_id: {
                        "type": "elicitation",
                        "mode": "form",
                        "message": f"Allow running {slug} with the given arguments?",
                        "requested_schema": dict(_APPROVAL_SCHEMA),
                    }
                },
                "request_state": token,
            }
        if request_state != token:
            raise bad_request("request_state does not match this call (same slug and arguments)")
        answer = input_responses.get(request_id)
        if answer is None:
            raise bad_request(f"input_responses must answer request '{request_id}'")
        if answer["action"] == "accept":
            return None
        return failed(f"Execution of {slug} was not approved by the user ({answer['action']})")

    # --- search ----------------------------------------------------------------------------------

    def search_payload(
        self,
        session: StoredSession,
        queries: list[Mapping[str, Any]],
        customs: CustomSet,
        workflow: Mapping[str, Any] | None = None,
        only_toolkits: list[str] | None = None,
    ) -> dict[str, Any]:
        results = []
        mentioned: dict[str, None] = {}
        schemas: dict[str, Any] = {}
        allowed: frozenset[str] | set[str] = session.policy.allowed
        extra = list(customs.tools.values())
        if only_toolkits is not None:
            # The TS SDK's `toolkits` (§4.11): only tools of these toolkits are candidates.
            wanted = {slug.lower() for slug in only_toolkits}
            allowed = {slug for slug in allowed if self.catalog.tools[slug].toolkit in wanted}
            extra = [tool for tool in extra if tool.toolkit.lower() in wanted]
        for i, q in enumerate(queries, 1):
            text = q["use_case"]
            known = q.get("known_fields") or ""
            if known:
                text += " " + " ".join(part.split(":", 1)[0] for part in known.split(","))
            hits = self.index.rank(text, allowed, extra)
            top = hits[0][0] if hits else 0.0
            primary = [s for score, s in hits[:3] if score >= top * 0.6]
            related = [s for _, s in hits[len(primary) : len(primary) + 4]]
            toolkits: dict[str, None] = {}
            for s in (*primary, *related):
                tool = self.catalog.tools.get(s) or customs.tools[s]
                toolkits[tool.toolkit] = None
                mentioned[tool.toolkit] = None
                full = s in primary
                schemas.setdefault(s, self._schema_ref(s, customs, full))
                if full and not schemas[s].get("hasFullSchema"):
                    schemas[s] = self._schema_ref(s, customs, True)
            result: dict[str, Any] = {
                "index": i,
                "use_case": q["use_case"],
                "primary_tool_slugs": primary,
                "related_tool_slugs": related,
                "toolkits": list(toolkits),
            }
            if primary:
                result["difficulty"] = (
                    "easy - single tool" if len(primary) == 1 else "medium - several tools"
                )
                result["execution_guidance"] = (
                    f"Call {primary[0]} with the arguments from its input schema."
                )
            else:
                result["execution_guidance"] = (
                    "No matching tools were found; rephrase the use case."
                )
            result["memory"] = {}
            results.append(result)
        workflow = workflow or {}
        wf_id = workflow.get("id")
        generated = not isinstance(wf_id, str) or not wf_id or bool(workflow.get("generate_id"))
        if generated:
            wf_id = new_id("wf_", 8)
        now = time.time()
        statuses = [self.connection_status(session, tk, customs) for tk in mentioned]
        guidance = [
            f"Connect {s['toolkit']} with {meta.MANAGE} before using its tools."
            for s in statuses
            if not s["has_active_connection"]
        ]
        guidance.append(f"Execute independent tools together with {meta.MULTI}.")
        return {
            "success": True,
            "error": None,
            "results": results,
            "toolkit_connection_statuses": statuses,
            "tool_schemas": schemas,
            "time_info": {
                "current_time_utc": iso(now),
                "current_time_utc_epoch_seconds": int(now),
                "message": "Times are UTC; convert to the user's timezone when presenting them.",
            },
            "session": {
                "id": wf_id,
                "generate_id": generated,
                "instructions": "Pass this id as session_id to the following meta tool calls of this task.",
            },
            "next_steps_guidance": guidance,
        }

    def _tool_json(self, slug: str, customs: CustomSet) -> dict[str, Any] | None:
        return self.catalog.json.get(slug) or customs.json.get(slug) or meta.META_JSON.get(slug)

    def _schema_ref(
        self, slug: str, customs: CustomSet, full: bool, output: bool = False
    ) -> dict[str, Any]:
        tool = self._tool_json(slug, customs)
        assert tool is not None
        ref: dict[str, Any] = {
            "tool_slug": slug,
            "toolkit": tool["toolkit"]["slug"],
            "description": tool["description"],
            "hasFullSchema": full,
        }
        if full:
            ref["input_schema"] = tool["input_parameters"]
            if output:
                ref["output_schema"] = tool["output_parameters"]
        else:
            ref["schemaRef"] = {
                "tool": meta.SCHEMAS,
                "args": {"tool_slugs": [slug]},
                "message": "Fetch the full schema before executing this tool.",
            }
        return ref

    # --- meta tools ------------------------------------------------------------------------------

    async def _meta_search(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        queries = args["queries"]
        for q in queries:
            if (
                not isinstance(q, dict)
                or not isinstance(q.get("use_case"), str)
                or not q["use_case"]
            ):
                raise ToolError("each query needs a non-empty string use_case")
        if not 1 <= len(queries) <= 7:
            raise ToolError("queries must contain 1 to 7 items")
        wf = args.get("session") if isinstance(args.get("session"), dict) else None
        return self.search_payload(session, queries, customs, wf), None

    async def _meta_schemas(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        include = args.get("include") or ["input_schema"]
        out: dict[str, Any] = {}
        missing = []
        for slug in args["tool_slugs"]:
            if isinstance(slug, str) and self._tool_json(slug, customs) is not None:
                out[slug] = self._schema_ref(slug, customs, True, "output_schema" in include)
            else:
                missing.append(slug)
        data: dict[str, Any] = {"success": not missing, "tool_schemas": out}
        if missing:
            data["not_found"] = missing
        return data, None

    async def _multi_item(
        self, session: StoredSession, index: int, item: Any, approve: Approver | None
    ) -> dict[str, Any]:
        slug = item.get("tool_slug") if isinstance(item, dict) else None
        data: dict[str, Any] = {}
        error: str | None = None
        if not isinstance(slug, str) or not slug:
            error = "each item needs a tool_slug string"
        elif not isinstance(item.get("arguments", {}), dict):
            error = "arguments must be an object"
        elif slug.startswith("LOCAL_"):
            error = f"{CUSTOM_NOT_EXECUTABLE} ({slug})"
        elif slug in meta.META_JSON:
            error = f"Meta tool {slug} cannot be run inside {meta.MULTI}"
        elif slug not in self.catalog.tools:
            error = f"Tool {slug} not found"
        elif slug not in session.policy.allowed:
            error = f"Tool {slug} is not allowed by this session's configuration"
        else:
            account = item.get("account")
            account = account if isinstance(account, str) else None
            arguments = item.get("arguments") or {}
            tool = self.catalog.tools[slug]
            before = await self._hooks(session, "before_execute", tool, arguments)
            if before.blocking is not None:
                error = blocked_answer(before.blocking, "before_execute", before.results)["message"]
            else:
                error = await self._multi_gate(session, slug, arguments, account, approve)
            if error is None:
                data, error = await self.run_app_tool(session, tool, arguments, account)
                after = await self._hooks(session, "after_execute", tool, arguments, data)
                if after.blocking is not None:
                    data, error = {}, blocked_answer(after.blocking, "after_execute", [])["message"]
        entry: dict[str, Any] = {
            "index": index,
            "tool_slug": slug if isinstance(slug, str) else "",
            "response": {"successful": error is None, "data": data},
        }
        if error is not None:
            entry["response"]["error"] = error
            entry["error"] = error
        return entry

    async def _multi_gate(
        self,
        session: StoredSession,
        slug: str,
        arguments: Mapping[str, Any],
        account: str | None,
        approve: Approver | None,
    ) -> str | None:
        """The approval rules for one multi-execute item: None when it may run, else why not.

        Over REST an item cannot pause for an answer, so it fails; the MCP endpoint can ask."""
        once_key = self._once_key(session, self.catalog.tools[slug], account)
        rule = self.approval_rule(session, slug, once_key)
        if rule == "allow":
            return None
        if rule == "deny":
            return f"Execution of {slug} is denied by this session's permissions"
        if approve is None:
            return f"Tool {slug} requires user approval; execute it directly"
        action = await approve(self.approval_request(slug, arguments))
        if action != "accept":
            return f"Execution of {slug} was not approved by the user ({action})"
        if rule == "ask_once":
            session.approved.add(once_key)
        return None

    async def _meta_multi(
        self,
        session: StoredSession,
        args: Mapping[str, Any],
        customs: CustomSet,
        approve: Approver | None = None,
    ) -> tuple[Any, str | None]:
        items = args["tools"]
        if len(items) > self.multi_execute_limit:
            raise ApiError(
                400,
                f"{meta.MULTI} accepts at most {self.multi_execute_limit} tools per call, got {len(items)}",
                "ToolRouter_MultiExecuteLimitExceeded",
            )
        if not items:
            raise ToolError("tools must contain at least one item")
        # Items are independent: run them concurrently, keep input order (§7.2).
        results = await asyncio.gather(
            *(self._multi_item(session, i, it, approve) for i, it in enumerate(items))
        )
        errors = sum(1 for r in results if "error" in r)
        data = {
            "results": list(results),
            "total_count": len(results),
            "success_count": len(results) - errors,
            "error_count": errors,
        }
        return data, (f"{errors} out of {len(results)} tools failed" if errors else None)

    async def _meta_manage(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        reinit = args.get("reinitiate_all") is True
        results: dict[str, Any] = {}
        counts = {"active": 0, "initiated": 0, "failed": 0}
        for slug in args["toolkits"]:
            slug = str(slug).lower()
            tk = self.catalog.toolkits.get(slug)
            if tk is None or not session.policy.toolkit_allowed(slug):
                why = "unknown toolkit" if tk is None else "toolkit not enabled in this session"
                results[slug] = {"status": "failed", "has_active_connection": False, "message": why}
                counts["failed"] += 1
                continue
            if tk.no_auth:
                results[slug] = {
                    "status": "active",
                    "has_active_connection": True,
                    "message": "No authentication required.",
                }
                counts["active"] += 1
                continue
            active, _ = self.resolve_account(session, slug, None)
            if active is not None and not reinit:
                results[slug] = {
                    "status": "active",
                    "has_active_connection": True,
                    "connected_account_id": active.id,
                    "message": f"{tk.name} is connected.",
                }
                counts["active"] += 1
                continue
            ca = self.create_link(session, slug)
            results[slug] = {
                "status": "initiated",
                "has_active_connection": False,
                "connected_account_id": ca.id,
                "redirect_url": ca.redirect_url,
                "message": f"Ask the user to open the link to connect {tk.name}.",
            }
            counts["initiated"] += 1
        data = {
            "message": f"{counts['active']} active, {counts['initiated']} initiated, {counts['failed']} failed",
            "results": results,
            "summary": {
                "total_toolkits": len(results),
                "active_connections": counts["active"],
                "initiated_connections": counts["initiated"],
                "failed_connections": counts["failed"],
            },
            "session": self._workflow(args),
        }
        return data, None

    async def _meta_wait(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        wanted = args.get("toolkits")
        if not isinstance(wanted, list):
            wanted = sorted(
                {ca.toolkit for ca in self.state.accounts.values() if ca.user_id == session.user_id}
            )
        results = {}
        for slug in wanted:
            cas = self.state.accounts_for(session.user_id, str(slug))
            newest = max(cas, key=lambda c: c.created, default=None)
            results[str(slug)] = {
                "status": newest.status if newest else "NOT_FOUND",
                "connected_account_id": newest.id if newest else None,
            }
        all_active = bool(results) and all(r["status"] == "ACTIVE" for r in results.values())
        return {
            "results": results,
            "all_connected": all_active,
            "message": "All connections are active."
            if all_active
            else "Some connections are not active yet.",
            "session": self._workflow(args),
        }, None

    async def _meta_workbench(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        msg = "The remote sandbox is not emulated: the code was not executed."
        return {
            "results": "",
            "stdout": "",
            "stderr": msg,
            "error": msg,
            "sandbox_id_suffix": "emu",
            "session": self._workflow(args),
        }, None

    async def _meta_bash(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        return {
            "stdout": "",
            "stderr": "The remote sandbox is not emulated: the command was not executed.",
            "stdoutLines": 0,
            "stderrLines": 1,
            "sandbox_id_suffix": "emu",
            "session": self._workflow(args),
        }, None

    async def _meta_feedback(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        return {"message": "Feedback recorded (emulator).", "feedback_id": new_id("fb_")}, None

    async def _meta_proxy(
        self, session: StoredSession, args: Mapping[str, Any], customs: CustomSet
    ) -> tuple[Any, str | None]:
        try:
            return await self.proxy_hooked(session, args), None
        except ApiError as exc:
            raise ToolError(exc.message) from None

    def _workflow(self, args: Mapping[str, Any]) -> dict[str, Any]:
        wf = args.get("session_id")
        return {
            "id": wf if isinstance(wf, str) and wf else new_id("wf_", 8),
            "instructions": "Pass this id as session_id to the following meta tool calls of this task.",
        }

    # --- proxy ------------------------------------------------------------------------------------

    async def proxy_hooked(self, session: StoredSession, body: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`proxy` behind the session's hooks (spec §13): a blocked request has no status."""
        slug = body["toolkit_slug"]
        arguments = {k: body[k] for k in ("method", "endpoint", "body", "parameters") if k in body}
        before = await run_hooks(
            session.hooks, "before_execute", self.hook_judge, tool_slug=PROXY_TOOL, toolkit=slug,
            arguments=arguments,
        )
        if before.blocking is not None:
            return blocked_answer(before.blocking, "before_execute", before.results, with_log_id=False)
        out = self.proxy(session, body)
        data = out.get("data")
        after = await run_hooks(
            session.hooks, "after_execute", self.hook_judge, tool_slug=PROXY_TOOL, toolkit=slug,
            arguments=arguments, result=data if isinstance(data, dict) else {"data": data},
        )
        results = before.results + after.results
        if after.blocking is not None:
            return blocked_answer(after.blocking, "after_execute", results, with_log_id=False)
        if results:
            out["hook_results"] = results
        return out

    def proxy(self, session: StoredSession, body: Mapping[str, Any]) -> dict[str, Any]:
        slug = body["toolkit_slug"]
        tk = self.catalog.toolkits.get(slug)
        if tk is None:
            raise bad_request(f"Invalid toolkit slug: {slug}", slug="ToolRouter_InvalidToolkit")
        headers = {"content-type": "application/json", "x-emulated-upstream": slug}
        account: StoredAccount | None = None
        if not tk.no_auth and body.get("custom_connection_data") is None:
            account, err = self.resolve_account(session, slug, None)
            if err is not None:
                return {
                    "result_type": "completed",
                    "status": 401,
                    "data": {"message": err},
                    "headers": headers,
                }
        method = body["method"]
        data: Any = None
        if method != "HEAD":
            data = {
                "emulated": True,
                "toolkit": slug,
                "method": method,
                "endpoint": body["endpoint"],
                "body": body.get("body"),
                "parameters": list(body.get("parameters") or []),
                "connected_account_id": account.id if account else None,
            }
            if body.get("binary_body") is not None:
                data["binary_body"] = {
                    k: v for k, v in body["binary_body"].items() if k in ("url", "content_type")
                }
        return {"result_type": "completed", "status": 200, "data": data, "headers": headers}
