"""Connecting accounts: auth links (§4.9 in a session, §4.18 outside one), the connected
accounts themselves (§8.2 poll, §8.3 list) and the page a user lands on from a link."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from .._runtime import Runtime
from .._state import ACCOUNT_STATUSES, StoredAccount
from .._validation import AnyJSON, Arr, Bool, MapOf, Obj, Str, opt, req
from .._wire import (
    ApiError,
    QueryCsv,
    QueryInt,
    QuerySpec,
    QueryStr,
    bad_request,
    iso,
    json_response,
    paginate,
)
from ._request import path_session, read_body, read_query, runtime_of

__all__ = [
    "create_link",
    "create_link_non_session",
    "get_connected_account",
    "link_page",
    "list_connected_accounts",
]

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
    rt = runtime_of(request)
    s = path_session(rt, request)
    body = read_body(request, _LINK)
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
    rt = runtime_of(request)
    body = read_body(request, _NON_SESSION_LINK)
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
    rt = runtime_of(request)
    read_query(request, {})
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
    rt = runtime_of(request)
    q = read_query(request, _ACCOUNTS_QUERY)
    filters: dict[str, Callable[[StoredAccount], str]] = {
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
    rt = runtime_of(request)
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
