"""Finding tools: the session's toolkits (§4.12) and tools (§4.13), search (§4.11), and the
tool schemas outside the session path (§4.18 ``/tools`` and ``/tools/{tool_slug}``)."""

from __future__ import annotations

from aiohttp import web

from .. import _meta_tools as meta
from .._customs import CUSTOMS_EXPERIMENTAL, resolve_customs
from .._validation import Arr, Obj, Str, opt, req
from .._wire import (
    ApiError,
    QueryBool,
    QueryCsv,
    QueryInt,
    QuerySpec,
    QueryStr,
    json_response,
    paginate,
)
from ._request import path_session, read_body, read_query, runtime_of

__all__ = ["get_tool", "list_session_tools", "list_toolkits", "list_tools", "search"]

_SEARCH = Obj(
    {
        "queries": req(
            Arr(Obj({"use_case": req(Str(1, 1024)), "known_fields": opt(Str(0, 500))}), 1, 7)
        ),
        "model": opt(Str()),
        "search_strategy": opt(Str(enum=("auto", "tool_search"))),
        "experimental": opt(CUSTOMS_EXPERIMENTAL),
        # Sent by the vendor's TypeScript SDK to narrow the results (§4.11).
        "toolkits": opt(Arr(Str(1), 1)),
    }
)


async def search(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    s = path_session(rt, request)
    body = read_body(request, _SEARCH)
    customs = resolve_customs(body.get("experimental"), rt.state.catalog)
    payload = rt.engine.search_payload(s, body["queries"], customs, only_toolkits=body.get("toolkits"))
    return json_response(payload)


async def list_toolkits(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    s = path_session(rt, request)
    q = read_query(
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
    rt = runtime_of(request)
    s = path_session(rt, request)
    q = read_query(request, {"cursor": QueryStr(1), "limit": QueryInt(1, 500)})
    tools = rt.engine.session_tools(s)
    page, env = paginate(tools, q.get("cursor"), q.get("limit"), default_limit=100, max_limit=500)
    return json_response({"items": page, **env})


async def get_tool(request: web.Request) -> web.StreamResponse:
    rt = runtime_of(request)
    q = read_query(
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
    rt = runtime_of(request)
    q = read_query(request, _TOOLS_QUERY, bracket_maps=("toolkit_versions",))
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
