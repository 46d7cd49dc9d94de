"""Session endpoints (spec §4.1-4.6): create, retrieve, patch, delete, attach and config
history, plus the session JSON (§3.4) and what is derived from a session's config."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from .. import _meta_tools as meta
from .._config import (
    CREATE_SCHEMA,
    PATCH_SCHEMA,
    Policy,
    apply_patch,
    create_config,
    experimental_config,
    semantic_errors,
)
from .._customs import CUSTOMS_EXPERIMENTAL, resolve_customs
from .._mcp import MCP_SESSIONS
from .._runtime import Runtime
from .._state import StoredSession
from .._validation import Obj, opt
from .._wire import ApiError, QueryInt, QueryStr, bad_request, iso, json_response, new_id, paginate
from ._request import path_session, read_body, read_query, runtime_of

__all__ = [
    "attach_session",
    "config_history",
    "create_session",
    "delete_session",
    "patch_session",
    "preloaded_tools",
    "retrieve_session",
]

PRELOAD_WARNING_THRESHOLD = 20


def _session_json(
    rt: Runtime, s: StoredSession, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    exp: dict[str, Any] = {}
    if s.experimental.get("no_elicitation_support_fallback") is not None:
        exp["no_elicitation_support_fallback"] = s.experimental["no_elicitation_support_fallback"]
    if s.experimental.get("session_config_id") is not None:
        exp["source_session_config"] = {"id": s.experimental["session_config_id"]}
    if extra:
        exp.update(extra)
    return {
        "session_id": s.session_id,
        "mcp": {"type": "http", "url": f"{rt.url}/tool_router/{s.session_id}/mcp"},
        "tool_router_tools": list(s.tool_router_tools),
        "config": s.config,
        "config_version": s.config_version,
        "experimental": exp or None,
        "warnings": list(s.warnings),
    }


def _customs_echo(customs: Any) -> dict[str, Any]:
    if not customs.sent:
        return {}
    return {"custom_tools": customs.tools_echo, "custom_toolkits": customs.toolkits_echo}


def preloaded_tools(rt: Runtime, s: StoredSession) -> list[str]:
    """The app tools the session preloads (§3.2 ``preload``): the tools list (§4.13) shows
    them, and too many of them earn a warning."""
    return rt.engine.preloaded_tools(s)


def _refresh(rt: Runtime, s: StoredSession) -> None:
    """Recompute everything derived from the config (after create or PATCH)."""
    s.policy = Policy(s.config, rt.state.catalog)
    s.tool_router_tools = meta.enabled_meta_tools(s.config, s.experimental)
    n = len(preloaded_tools(rt, s))
    s.warnings = (
        [
            {
                "code": "PRELOAD_TOOLS_HIGH_CONTEXT_USAGE",
                "message": f"{n} preloaded tools may use a large part of the model's context.",
            }
        ]
        if n > PRELOAD_WARNING_THRESHOLD
        else []
    )


def _account_checker(rt: Runtime) -> Callable[[str, str, str], str | None]:
    def check(ca_id: str, toolkit: str, user_id: str) -> str | None:
        ca = rt.state.accounts.get(ca_id)
        if ca is None:
            return f"connected account {ca_id} does not exist"
        if ca.toolkit != toolkit:
            return f"connected account {ca_id} belongs to toolkit {ca.toolkit}"
        if ca.is_disabled:
            return f"connected account {ca_id} is disabled"
        if not ca.acl_allows(user_id):
            return f"connected account {ca_id} belongs to another user"
        return None

    return check


def _assistive_prompt(rt: Runtime, s: StoredSession, body: Mapping[str, Any]) -> str:
    tks = [slug for slug in rt.state.catalog.toolkits if s.policy.toolkit_allowed(slug)]
    tz = ((body.get("experimental") or {}).get("assistive_prompt_config") or {}).get(
        "user_timezone"
    )
    names = ", ".join(rt.state.catalog.toolkits[t].name for t in tks)
    prompt = f"You can reach the user's apps ({names}) through Composio tools."
    if tz:
        prompt += f" Current timezone: {tz}."
    if meta.SEARCH in s.tool_router_tools:
        prompt += f" Start by calling {meta.SEARCH} to find the right tools for the task."
    return prompt


async def create_session(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    body = read_body(request, CREATE_SCHEMA)
    catalog = rt.state.catalog
    customs = resolve_customs(body.get("experimental"), catalog)
    cfg = create_config(body)
    errs = semantic_errors(cfg, body, catalog, _account_checker(rt))
    if errs:
        raise bad_request(errs[0], errs)
    now = time.time()
    s = StoredSession(
        session_id=new_id("trs_"),
        user_id=body["user_id"],
        config=cfg,
        experimental=experimental_config(body.get("experimental")),
        config_version=1,
        policy=Policy(cfg, catalog),
        tool_router_tools=[],
        created=now,
        config_since=now,
        customs=customs,
        hooks=list(body.get("hooks") or ()),
    )
    _refresh(rt, s)
    rt.state.sessions[s.session_id] = s
    extra = {"assistive_prompt": _assistive_prompt(rt, s, body), **_customs_echo(customs)}
    return json_response(_session_json(rt, s, extra), 201)


async def retrieve_session(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    read_query(request, {})
    return json_response(_session_json(rt, path_session(rt, request)))


async def patch_session(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    s = path_session(rt, request)
    body = read_body(request, PATCH_SCHEMA, patch=True)
    expected = body.get("expected_config_version")
    if expected is not None and expected != s.config_version:
        raise ApiError(
            409,
            f"Session config version is {s.config_version}, but expected_config_version was {expected}",
            "ToolRouter_SessionConfigConflict",
            suggested_fix="Re-fetch the session and retry the update.",
        )
    new_cfg, new_exp = apply_patch(s.config, s.experimental, body)
    checker = _account_checker(rt) if body.get("connected_accounts") else (lambda *_: None)
    errs = semantic_errors(new_cfg, body, rt.state.catalog, checker)
    if errs:
        raise bad_request(errs[0], errs)
    now = time.time()
    s.history.append((s.config_version, now, s.config))
    s.config, s.experimental = new_cfg, new_exp
    if "hooks" in body:  # the list replaces the stored one; null removes every hook
        s.hooks = list(body["hooks"] or ())
    s.config_version += 1
    s.config_since = now
    _refresh(rt, s)
    request.app[MCP_SESSIONS].tools_changed(s.session_id)
    return json_response(_session_json(rt, s))


async def delete_session(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    read_query(request, {})
    s = path_session(rt, request)
    del rt.state.sessions[s.session_id]
    request.app[MCP_SESSIONS].session_deleted(s.session_id)
    for token in [t for t, g in rt.state.grants.items() if g.session_id == s.session_id]:
        del rt.state.grants[token]
    return json_response({"session_id": s.session_id, "deleted": True})


_ATTACH = Obj({"experimental": opt(CUSTOMS_EXPERIMENTAL)})


async def attach_session(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    s = path_session(rt, request)
    body = read_body(request, _ATTACH)
    customs = resolve_customs(body.get("experimental"), rt.state.catalog)
    s.customs = customs
    return json_response(_session_json(rt, s, _customs_echo(customs)))


async def config_history(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    s = path_session(rt, request)
    q = read_query(request, {"cursor": QueryStr(1), "limit": QueryInt(1, 100)})
    items = [
        {
            "version": s.config_version,
            "created_at": iso(s.config_since),
            "config": s.config,
            "is_current": True,
        }
    ]
    items += [
        {"version": v, "created_at": iso(at), "config": cfg, "is_current": False}
        for v, at, cfg in reversed(s.history)
    ]
    page, env = paginate(items, q.get("cursor"), q.get("limit"), default_limit=20, max_limit=100)
    return json_response({"items": page, **env})
