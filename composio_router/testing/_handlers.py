"""Endpoint handlers (spec §2, §4, §8). Each one validates strictly, acts on the
in-memory state and answers the documented shape with the documented success code."""

from __future__ import annotations

import html
import posixpath
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from aiohttp import web

from . import _meta_tools as meta
from ._config import (
    CREATE_SCHEMA,
    PATCH_SCHEMA,
    Policy,
    apply_patch,
    create_config,
    experimental_config,
    semantic_errors,
)
from ._customs import CUSTOMS_EXPERIMENTAL, resolve_customs
from ._runtime import BODY, RUNTIME, Runtime
from ._state import ACCOUNT_STATUSES, ConnectedAccount, StorageGrant, StoredFile, StoredSession
from ._validation import AnyJSON, Arr, Bool, MapOf, Obj, Schema, Str, opt, req, validate
from ._wire import (
    ApiError,
    QueryBool,
    QueryCsv,
    QueryInt,
    QuerySpec,
    QueryStr,
    bad_request,
    iso,
    json_response,
    new_id,
    paginate,
    parse_query,
)

__all__ = ["ROUTES", "Auth"]

Auth = Literal["api", "api_or_user", "none"]
HandlerFn = Callable[[web.Request], Awaitable[web.StreamResponse]]
P = "/api/v3.1/tool_router/session"
SANDBOX_PREFIX = "/mnt/files"
PRELOAD_WARNING_THRESHOLD = 20
_GRANT_TTL = 3600.0


# --- small helpers -------------------------------------------------------------------------


def _rt(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def _body(request: web.Request, schema: Schema, *, patch: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = request[BODY]
    errs = validate(schema, body, patch=patch)
    if errs:
        raise bad_request(errs[0], errs)
    return body


def _query(
    request: web.Request, spec: QuerySpec, bracket_maps: tuple[str, ...] = ()
) -> dict[str, Any]:
    return parse_query(request.query, spec, bracket_maps=bracket_maps)


def _session(rt: Runtime, request: web.Request) -> StoredSession:
    sid = request.match_info["session_id"]
    s = rt.state.sessions.get(sid)
    if s is None:
        raise ApiError(404, f"Tool router session {sid} not found", "ToolRouter_SessionNotFound")
    return s


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


def _preloaded(rt: Runtime, s: StoredSession) -> list[str]:
    tools = s.config["preload"]["tools"]
    catalog = rt.state.catalog
    if tools == "all":
        return [slug for slug in catalog.tools if slug in s.policy.allowed][:1000]
    return [slug for slug in tools if slug in catalog.tools]


def _refresh(rt: Runtime, s: StoredSession) -> None:
    """Recompute everything derived from the config (after create or PATCH)."""
    s.policy = Policy(s.config, rt.state.catalog)
    s.tool_router_tools = meta.enabled_meta_tools(s.config, s.experimental)
    n = len(_preloaded(rt, s))
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


# --- sessions --------------------------------------------------------------------------------


async def create_session(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    body = _body(request, CREATE_SCHEMA)
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
    )
    _refresh(rt, s)
    rt.state.sessions[s.session_id] = s
    extra = {"assistive_prompt": _assistive_prompt(rt, s, body), **_customs_echo(customs)}
    return json_response(_session_json(rt, s, extra), 201)


async def retrieve_session(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    _query(request, {})
    return json_response(_session_json(rt, _session(rt, request)))


async def patch_session(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    body = _body(request, PATCH_SCHEMA, patch=True)
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
    s.config_version += 1
    s.config_since = now
    _refresh(rt, s)
    return json_response(_session_json(rt, s))


async def delete_session(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    _query(request, {})
    s = _session(rt, request)
    del rt.state.sessions[s.session_id]
    for token in [t for t, g in rt.state.grants.items() if g.session_id == s.session_id]:
        del rt.state.grants[token]
    return json_response({"session_id": s.session_id, "deleted": True})


_ATTACH = Obj({"experimental": opt(CUSTOMS_EXPERIMENTAL)})


async def attach_session(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    body = _body(request, _ATTACH)
    customs = resolve_customs(body.get("experimental"), rt.state.catalog)
    s.customs = customs
    return json_response(_session_json(rt, s, _customs_echo(customs)))


async def config_history(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    q = _query(request, {"cursor": QueryStr(1), "limit": QueryInt(1, 100)})
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


# --- execution -------------------------------------------------------------------------------

_INPUT_RESPONSES = MapOf(
    Obj(
        {
            "action": req(Str(enum=("accept", "decline", "cancel"))),
            "content": opt(MapOf(AnyJSON())),
        }
    )
)
_EXECUTE = Obj(
    {
        "tool_slug": req(Str(1)),
        "arguments": opt(MapOf(AnyJSON())),
        "account": opt(Str(1)),
        "enable_auto_workbench_offload": opt(Bool()),
        "experimental": opt(CUSTOMS_EXPERIMENTAL),
        "input_responses": opt(_INPUT_RESPONSES),
        "request_state": opt(Str()),
    }
)
_EXECUTE_META = Obj(
    {
        "slug": req(Str(enum=tuple(sorted(meta.EXECUTE_META_SLUGS)))),
        "arguments": opt(MapOf(AnyJSON())),
        "experimental": opt(CUSTOMS_EXPERIMENTAL),
        "input_responses": opt(_INPUT_RESPONSES),
        "request_state": opt(Str()),
    }
)


async def execute(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    body = _body(request, _EXECUTE)
    customs = resolve_customs(body.get("experimental"), rt.state.catalog)
    result = await rt.engine.execute(
        s,
        body["tool_slug"],
        body.get("arguments") or {},
        account=body.get("account"),
        customs=customs,
        input_responses=body.get("input_responses"),
        request_state=body.get("request_state"),
    )
    return json_response(result)


async def execute_meta(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    body = _body(request, _EXECUTE_META)
    customs = resolve_customs(body.get("experimental"), rt.state.catalog)
    slug = body["slug"]
    if slug not in s.tool_router_tools:
        raise ApiError(
            400, f"Meta tool {slug} is not enabled in this session", "ToolRouter_ToolNotAllowed"
        )
    result = await rt.engine.run_meta(s, slug, body.get("arguments") or {}, customs)
    return json_response(result)


_SEARCH = Obj(
    {
        "queries": req(
            Arr(Obj({"use_case": req(Str(1, 1024)), "known_fields": opt(Str(0, 500))}), 1, 7)
        ),
        "model": opt(Str()),
        "search_strategy": opt(Str(enum=("auto", "tool_search"))),
        "experimental": opt(CUSTOMS_EXPERIMENTAL),
    }
)


async def search(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    body = _body(request, _SEARCH)
    customs = resolve_customs(body.get("experimental"), rt.state.catalog)
    return json_response(rt.engine.search_payload(s, body["queries"], customs))


# --- proxy -----------------------------------------------------------------------------------

_SCHEME_REQUIRED = {
    "OAUTH2": ("access_token",),
    "DCR_OAUTH": ("access_token", "client_id"),
    "API_KEY": (),
    "BASIC_WITH_JWT": ("username", "password"),
    "BASIC": ("username",),
    "BEARER_TOKEN": ("token",),
    "OAUTH1": ("oauth_token", "oauth_token_secret"),
    "NO_AUTH": (),
    "SERVICE_ACCOUNT": ("application_id", "installation_id", "private_key"),
    "GOOGLE_SERVICE_ACCOUNT": ("credentials_json",),
    "S2S_OAUTH2": ("access_token",),
}
_NULLABLE_VAL = frozenset({"refresh_token", "expires_in", "scope"})


def _check_connection_data(value: Mapping[str, Any], path: str, errs: list[str]) -> None:
    val = value["val"]
    for key in _SCHEME_REQUIRED[value["authScheme"]]:
        if key not in val:
            errs.append(
                f"{path}.val.{key}: required field '{key}' is missing for {value['authScheme']}"
            )
    for key, v in val.items():
        if v is None and key not in _NULLABLE_VAL:
            errs.append(f"{path}.val.{key}: must not be null")


def _exactly_one_source(value: Mapping[str, Any], path: str, errs: list[str]) -> None:
    if ("url" in value) == ("base64" in value):
        errs.append(f"{path}: exactly one of url or base64 is required")


_PROXY = Obj(
    {
        "toolkit_slug": req(Str(1)),
        "endpoint": req(Str(1)),
        "method": req(Str(enum=("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"))),
        "body": opt(AnyJSON(), nullable=True),  # free-form: the one nullable member
        "binary_body": opt(
            Obj(
                {"url": opt(Str(1)), "base64": opt(Str(1)), "content_type": opt(Str(1))},
                _exactly_one_source,
            )
        ),
        "parameters": opt(
            Arr(
                Obj(
                    {
                        "name": req(Str(1)),
                        "type": req(Str(enum=("header", "query"))),
                        "value": req(Str()),
                    }
                )
            )
        ),
        "custom_connection_data": opt(
            Obj(
                {
                    "authScheme": req(Str(enum=tuple(_SCHEME_REQUIRED))),
                    "toolkitSlug": req(Str(1)),
                    # `val` is the one open object of the request types (§4.10).
                    "val": req(MapOf(AnyJSON())),
                },
                _check_connection_data,
            )
        ),
    }
)


async def proxy_execute(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    body = _body(request, _PROXY)
    return json_response(rt.engine.proxy(s, body))


# --- links and connected accounts --------------------------------------------------------------

_ACL = Obj(
    {
        "allow_all_users": opt(Bool()),
        "allowed_user_ids": opt(Arr(Str(), 0, 1000)),
        "not_allowed_user_ids": opt(Arr(Str(), 0, 1000)),
    }
)
_LINK_EXPERIMENTAL = Obj(
    {"account_type": opt(Str(enum=("PRIVATE", "SHARED"))), "acl_config_for_shared": opt(_ACL)}
)
_LINK = Obj(
    {
        "toolkit": req(Str(1)),
        "callback_url": opt(Str(1)),
        "alias": opt(Str(1)),
        "experimental": opt(_LINK_EXPERIMENTAL),
    }
)


def _full_acl(acl: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if acl is None:
        return None
    return {
        "allow_all_users": acl.get("allow_all_users", False),
        "allowed_user_ids": list(acl.get("allowed_user_ids") or []),
        "not_allowed_user_ids": list(acl.get("not_allowed_user_ids") or []),
    }


def _link_checks(
    rt: Runtime, user_id: str, toolkit: str, alias: str | None, exp: Mapping[str, Any]
) -> tuple[str, dict[str, Any] | None]:
    tk = rt.state.catalog.toolkits.get(toolkit)
    if tk is None:
        raise bad_request(f"Invalid toolkit slug: {toolkit}", slug="ToolRouter_InvalidToolkit")
    if tk.no_auth:
        raise bad_request(
            f"Toolkit {toolkit} needs no authentication", slug="ToolRouter_NoAuthToolkit"
        )
    account_type = exp.get("account_type", "PRIVATE")
    if "acl_config_for_shared" in exp and account_type != "SHARED":
        raise bad_request(
            "acl_config_for_shared is only valid on SHARED accounts",
            slug="ToolRouter_InvalidAclConfig",
        )
    if alias is not None and any(
        ca.alias == alias and ca.toolkit == toolkit and ca.user_id == user_id
        for ca in rt.state.accounts.values()
    ):
        raise bad_request(
            f"Alias {alias!r} is already used by another {toolkit} account of this user",
            slug="ToolRouter_AliasConflict",
        )
    acl = _full_acl(exp.get("acl_config_for_shared")) if account_type == "SHARED" else None
    if account_type == "SHARED" and acl is None:
        acl = _full_acl({})
    return account_type, acl


async def create_link(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    body = _body(request, _LINK)
    toolkit = body["toolkit"]
    exp = body.get("experimental") or {}
    account_type, acl = _link_checks(rt, s.user_id, toolkit, body.get("alias"), exp)
    if not s.policy.toolkit_allowed(toolkit):
        raise bad_request(
            f"Toolkit {toolkit} is not enabled in this session", slug="ToolRouter_ToolkitNotAllowed"
        )
    ca = rt.engine.create_link(
        s,
        toolkit,
        callback_url=body.get("callback_url"),
        alias=body.get("alias"),
        account_type=account_type,
        acl=acl,
    )
    return json_response(
        {
            "link_token": ca.link_token,
            "redirect_url": ca.redirect_url,
            "connected_account_id": ca.id,
            "experimental": ca.experimental_json(),
        },
        201,
    )


_NON_SESSION_LINK = Obj(
    {
        "auth_config_id": req(Str(1)),
        "user_id": req(Str(1)),
        "callback_url": opt(Str(1)),
        "alias": opt(Str(1)),
        "connection_data": opt(MapOf(AnyJSON())),
        "experimental": opt(_LINK_EXPERIMENTAL),
    }
)


async def create_link_non_session(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    body = _body(request, _NON_SESSION_LINK)
    ac = body["auth_config_id"]
    toolkit = ac.removeprefix("ac_emu")
    if not ac.startswith("ac_emu") or toolkit not in rt.state.catalog.toolkits:
        raise ApiError(
            404,
            f"Auth config {ac} not found (emulator auth configs are ac_emu<toolkit>)",
            "AuthConfig_NotFound",
        )
    exp = body.get("experimental") or {}
    account_type, acl = _link_checks(rt, body["user_id"], toolkit, body.get("alias"), exp)
    ca = rt.state.create_account(
        body["user_id"],
        toolkit,
        status="INITIATED",
        alias=body.get("alias"),
        account_type=account_type,
        acl=acl,
        callback_url=body.get("callback_url"),
        auth_config_id=ac,
        with_link=True,
    )
    ca.redirect_url = f"{rt.url}/link/{ca.link_token}"
    return json_response(
        {
            "connected_account_id": ca.id,
            "link_token": ca.link_token,
            "redirect_url": ca.redirect_url,
            "expires_at": iso(ca.created + 600),
            "experimental": ca.experimental_json(),
        },
        201,
    )


async def get_connected_account(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    _query(request, {})
    ca_id = request.match_info["account_id"]
    ca = rt.state.accounts.get(ca_id)
    if ca is None:
        raise ApiError(404, f"Connected account {ca_id} not found", "ConnectedAccount_NotFound")
    ca.polls += 1
    n = rt.auto_complete_after_polls
    if n is not None and ca.status == "INITIATED" and ca.polls >= n:
        rt.state.set_status(ca, "ACTIVE")
    return json_response(ca.to_json())


_ACCOUNTS_QUERY: QuerySpec = {
    "user_ids": QueryCsv(),
    "toolkit_slugs": QueryCsv(),
    "auth_config_ids": QueryCsv(),
    "connected_account_ids": QueryCsv(),
    "statuses": QueryCsv(ACCOUNT_STATUSES),
    "account_type": QueryStr(enum=("PRIVATE", "SHARED", "ALL")),
    "cursor": QueryStr(1),
    "limit": QueryInt(1, 1000),
    "order_by": QueryStr(enum=("created_at", "updated_at")),
    "order_direction": QueryStr(enum=("asc", "desc")),
}


async def list_connected_accounts(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    q = _query(request, _ACCOUNTS_QUERY)
    filters: dict[str, Callable[[ConnectedAccount], str]] = {
        "user_ids": lambda ca: ca.user_id,
        "toolkit_slugs": lambda ca: ca.toolkit,
        "auth_config_ids": lambda ca: ca.auth_config_id,
        "connected_account_ids": lambda ca: ca.id,
        "statuses": lambda ca: ca.status,
    }
    accounts = list(rt.state.accounts.values())
    for key, attr in filters.items():
        if key in q:
            wanted = set(q[key])
            accounts = [ca for ca in accounts if attr(ca) in wanted]
    if q.get("account_type", "ALL") != "ALL":
        accounts = [ca for ca in accounts if ca.account_type == q["account_type"]]
    order = q.get("order_by", "created_at")
    accounts.sort(
        key=lambda ca: ca.created if order == "created_at" else ca.updated,
        reverse=q.get("order_direction", "desc") == "desc",
    )
    page, env = paginate(
        accounts, q.get("cursor"), q.get("limit"), default_limit=20, max_limit=1000
    )
    return json_response({"items": [ca.to_json() for ca in page], **env})


_LINK_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Connected</title></head>
<body><h1>{title}</h1><p>{message}</p>{callback}</body></html>"""


async def link_page(request: web.Request) -> web.StreamResponse:
    """What a user sees when opening the redirect URL: visiting it completes the connection."""
    rt = _rt(request)
    ca = rt.state.find_account(request.match_info["token"])
    if ca is None:
        page = _LINK_PAGE.format(
            title="Link not found", message="This link is unknown or expired.", callback=""
        )
        return web.Response(status=404, text=page, content_type="text/html")
    if ca.status in ("INITIATED", "INITIALIZING"):
        rt.state.set_status(ca, "ACTIVE")
    callback = (
        f'<p><a href="{html.escape(ca.callback_url)}">Continue</a></p>' if ca.callback_url else ""
    )
    page = _LINK_PAGE.format(
        title=f"{html.escape(ca.toolkit)} connected",
        message=f"Account {html.escape(ca.id)} is {html.escape(ca.status)}. You can close this window.",
        callback=callback,
    )
    return web.Response(text=page, content_type="text/html")


# --- toolkits and tools --------------------------------------------------------------------------


async def list_toolkits(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    q = _query(
        request,
        {
            "cursor": QueryStr(1),
            "limit": QueryInt(1, 50),
            "search": QueryStr(),
            "toolkits": QueryCsv(),
            "is_connected": QueryBool(),
        },
    )
    catalog = rt.state.catalog
    if "toolkits" in q:
        slugs = [t for t in dict.fromkeys(q["toolkits"]) if t in catalog.toolkits]
    else:
        slugs = [t for t in catalog.toolkits if s.policy.toolkit_allowed(t)]
    text = (q.get("search") or "").lower()
    items = []
    for slug in slugs:
        tk = catalog.toolkits[slug]
        if text and not any(text in f.lower() for f in (tk.slug, tk.name, tk.description)):
            continue
        ca = None
        if not tk.no_auth:
            accounts = rt.state.accounts_for(s.user_id, slug)
            pinned = (s.config.get("connected_accounts") or {}).get(slug)
            if pinned:
                accounts = [rt.state.accounts[i] for i in pinned if i in rt.state.accounts]
            active = [a for a in accounts if a.status == "ACTIVE"]
            ca = (
                active[0]
                if active
                else (max(accounts, key=lambda a: a.created) if accounts else None)
            )
        if q.get("is_connected") and (ca is None or ca.status != "ACTIVE"):
            continue
        items.append(
            {
                "slug": slug,
                "name": tk.name,
                "enabled": s.policy.toolkit_allowed(slug),
                "is_no_auth": tk.no_auth,
                "composio_managed_auth_schemes": [] if tk.no_auth else [tk.auth_scheme],
                "meta": {
                    "logo": tk.logo_url,
                    "description": tk.description,
                    "isNoAuth": tk.no_auth,
                },
                "connected_account": ca.short_json() if ca else None,
            }
        )
    page, env = paginate(items, q.get("cursor"), q.get("limit"), default_limit=20, max_limit=50)
    return json_response({"items": page, **env})


async def list_session_tools(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s = _session(rt, request)
    q = _query(request, {"cursor": QueryStr(1), "limit": QueryInt(1, 500)})
    catalog = rt.state.catalog
    tools = [meta.META_JSON[slug] for slug in s.tool_router_tools]
    tools += [catalog.json[slug] for slug in _preloaded(rt, s)]
    tools += list(s.customs.json.values())
    page, env = paginate(tools, q.get("cursor"), q.get("limit"), default_limit=100, max_limit=500)
    return json_response({"items": page, **env})


async def get_tool(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    q = _query(
        request,
        {"version": QueryStr(1), "toolkit_versions": QueryStr(1), "include_pricing": QueryBool()},
        bracket_maps=("toolkit_versions",),
    )
    slug = request.match_info["tool_slug"]
    tool = rt.state.catalog.json.get(slug) or meta.META_JSON.get(slug)
    if tool is None:
        raise ApiError(404, f"Tool {slug} not found", "Tool_NotFound")
    if q.get("include_pricing"):
        tool = {**tool, "instant": None}
    return json_response(tool)


_TOOLS_QUERY: QuerySpec = {
    "tool_slugs": QueryCsv(),
    "toolkit_slug": QueryStr(1),
    "query": QueryStr(),
    "search": QueryStr(),
    "tags": QueryCsv(),
    "scopes": QueryCsv(),
    "auth_config_ids": QueryCsv(),
    "important": QueryBool(),
    "include_deprecated": QueryBool(),
    "limit": QueryInt(1, 1000),
    "cursor": QueryStr(1),
    "toolkit_versions": QueryStr(1),
}


async def list_tools(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    q = _query(request, _TOOLS_QUERY, bracket_maps=("toolkit_versions",))
    catalog = rt.state.catalog
    if "tool_slugs" in q:
        slugs = [s for s in q["tool_slugs"] if s in catalog.tools or s in meta.META_JSON]
    else:
        slugs = list(catalog.tools)
        if "toolkit_slug" in q:
            slugs = [s for s in slugs if catalog.tools[s].toolkit == q["toolkit_slug"]]
        if "tags" in q:
            slugs = [s for s in slugs if set(q["tags"]) & set(catalog.tools[s].tags)]
        if "scopes" in q:
            slugs = [s for s in slugs if set(q["scopes"]) & set(catalog.tools[s].scopes)]
        if q.get("important") is not None:
            slugs = [s for s in slugs if ("important" in catalog.tools[s].tags) == q["important"]]
        text = q.get("query") or q.get("search")
        if text:
            ranked = rt.engine.index.rank(text, slugs)
            slugs = [s for _, s in ranked]
    items = [catalog.json.get(s) or meta.META_JSON[s] for s in slugs]
    page, env = paginate(items, q.get("cursor"), q.get("limit"), default_limit=20, max_limit=1000)
    return json_response({"items": page, **env})


# --- files (workbench mount) ---------------------------------------------------------------------

_FILE_PATH = Obj({"mount_relative_path": req(Str(1))})
_UPLOAD = Obj({"mount_relative_path": req(Str(1)), "mimetype": opt(Str(1))})


def _mount(rt: Runtime, request: web.Request) -> tuple[StoredSession, str, dict[str, StoredFile]]:
    s = _session(rt, request)
    mount_id = request.match_info["mount_id"]
    if mount_id != "files":
        raise ApiError(
            404,
            f"Mount {mount_id} not found (the emulator has the 'files' mount)",
            "ToolRouter_MountNotFound",
        )
    return s, mount_id, s.files.setdefault(mount_id, {})


def _clean_path(path: str) -> str:
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or "" in parts[:-1] or path.endswith("/"):
        raise bad_request(
            f"body.mount_relative_path: must be a relative file path without '..' ({path!r})"
        )
    return posixpath.normpath(path)


def _grant(
    rt: Runtime, s: StoredSession, mount_id: str, path: str, method: str, mimetype: str
) -> tuple[str, str]:
    token = new_id("st_", 24)
    expires = time.time() + _GRANT_TTL
    rt.state.grants[token] = StorageGrant(s.session_id, mount_id, path, method, mimetype, expires)
    return f"{rt.url}/_storage/{token}", iso(expires)


async def list_files(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    _, _, files = _mount(rt, request)
    q = _query(
        request,
        {"cursor": QueryStr(1), "limit": QueryInt(1, 500), "mount_relative_prefix": QueryStr(1)},
    )
    prefix = q.get("mount_relative_prefix", "")
    items = [
        {
            "mount_relative_path": path,
            "sandbox_mount_prefix": SANDBOX_PREFIX,
            "size": len(f.data),
            "last_modified": iso(f.modified),
        }
        for path, f in sorted(files.items())
        if path.startswith(prefix)
    ]
    page, env = paginate(items, q.get("cursor"), q.get("limit"), default_limit=100, max_limit=500)
    return json_response({"items": page, "next_cursor": env["next_cursor"]})


async def upload_url(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s, mount_id, _ = _mount(rt, request)
    body = _body(request, _UPLOAD)
    path = _clean_path(body["mount_relative_path"])
    url, expires = _grant(
        rt, s, mount_id, path, "PUT", body.get("mimetype", "application/octet-stream")
    )
    return json_response(
        {
            "upload_url": url,
            "mount_relative_path": path,
            "sandbox_mount_prefix": SANDBOX_PREFIX,
            "expires_at": expires,
        }
    )


async def download_url(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    s, mount_id, files = _mount(rt, request)
    body = _body(request, _FILE_PATH)
    path = _clean_path(body["mount_relative_path"])
    if path not in files:
        raise ApiError(404, f"File {path} not found in mount {mount_id}", "ToolRouter_FileNotFound")
    url, expires = _grant(rt, s, mount_id, path, "GET", files[path].mimetype)
    return json_response(
        {
            "download_url": url,
            "mount_relative_path": path,
            "sandbox_mount_prefix": SANDBOX_PREFIX,
            "expires_at": expires,
        }
    )


async def delete_file(request: web.Request) -> web.StreamResponse:
    rt = _rt(request)
    _, _, files = _mount(rt, request)
    body = _body(request, _FILE_PATH)
    path = _clean_path(body["mount_relative_path"])
    files.pop(path, None)
    return json_response({"mount_relative_path": path, "sandbox_mount_prefix": SANDBOX_PREFIX})


async def storage(request: web.Request) -> web.StreamResponse:
    """The presigned-URL storage origin: no credentials accepted (they must never leak here)."""
    rt = _rt(request)
    leaked = [
        h
        for h in ("x-api-key", "x-user-api-key", "x-org-api-key", "authorization")
        if h in request.headers
    ]
    if leaked:
        raise ApiError(
            400,
            f"Credential header(s) {', '.join(leaked)} must not be sent to presigned storage URLs",
            "Storage_CredentialsNotAllowed",
        )
    grant = rt.state.grants.get(request.match_info["token"])
    if grant is None or grant.expires < time.time() or grant.method != request.method:
        raise ApiError(
            403,
            "The presigned URL is invalid, expired or used with the wrong method",
            "Storage_InvalidSignature",
        )
    s = rt.state.sessions.get(grant.session_id)
    if s is None:
        raise ApiError(404, "The session of this presigned URL was deleted", "Storage_NotFound")
    files = s.files.setdefault(grant.mount_id, {})
    if request.method == "PUT":
        data = await request.read()
        mimetype = request.headers.get("content-type", grant.mimetype)
        files[grant.path] = StoredFile(data, mimetype, time.time())
        return web.Response(status=200, headers={"etag": f'"{len(data):x}"'})
    stored = files.get(grant.path)
    if stored is None:
        raise ApiError(404, f"File {grant.path} not found", "Storage_NotFound")
    return web.Response(body=stored.data, headers={"content-type": stored.mimetype})


async def health(request: web.Request) -> web.StreamResponse:
    return json_response({"status": "ok", "emulator": "composio-tool-router"})


ROUTES: list[tuple[str, str, HandlerFn, Auth]] = [
    ("POST", P, create_session, "api"),
    ("GET", P + "/{session_id}", retrieve_session, "api"),
    ("PATCH", P + "/{session_id}", patch_session, "api"),
    ("DELETE", P + "/{session_id}", delete_session, "api"),
    ("POST", P + "/{session_id}/attach", attach_session, "api"),
    ("GET", P + "/{session_id}/config_history", config_history, "api"),
    ("POST", P + "/{session_id}/execute", execute, "api"),
    ("POST", P + "/{session_id}/execute_meta", execute_meta, "api"),
    ("POST", P + "/{session_id}/link", create_link, "api"),
    ("POST", P + "/{session_id}/proxy_execute", proxy_execute, "api_or_user"),
    ("POST", P + "/{session_id}/search", search, "api"),
    ("GET", P + "/{session_id}/toolkits", list_toolkits, "api"),
    ("GET", P + "/{session_id}/tools", list_session_tools, "api"),
    ("GET", P + "/{session_id}/mounts/{mount_id}/items", list_files, "api"),
    ("POST", P + "/{session_id}/mounts/{mount_id}/upload_url", upload_url, "api"),
    ("POST", P + "/{session_id}/mounts/{mount_id}/download_url", download_url, "api"),
    ("POST", P + "/{session_id}/mounts/{mount_id}/delete", delete_file, "api"),
    ("POST", "/api/v3.1/connected_accounts/link", create_link_non_session, "api"),
    ("GET", "/api/v3.1/connected_accounts/{account_id}", get_connected_account, "api_or_user"),
    ("GET", "/api/v3.1/connected_accounts", list_connected_accounts, "api_or_user"),
    ("GET", "/api/v3.1/tools/{tool_slug}", get_tool, "api_or_user"),
    ("GET", "/api/v3.1/tools", list_tools, "api_or_user"),
    ("GET", "/link/{token}", link_page, "none"),
    ("PUT", "/_storage/{token}", storage, "none"),
    ("GET", "/_storage/{token}", storage, "none"),
    ("GET", "/healthz", health, "none"),
]
