"""Running tools (spec §4.7 execute, §4.8 execute_meta, §6) and the authenticated
pass-through to a toolkit's API (§4.10 proxy_execute)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .. import _meta_tools as meta
from .._customs import CUSTOMS_EXPERIMENTAL, resolve_customs
from .._validation import AnyJSON, Arr, Bool, MapOf, Obj, Str, opt, req
from .._wire import ApiError, json_response
from ._request import path_session, read_body, runtime_of

__all__ = ["execute", "execute_meta", "proxy_execute"]

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
    rt = runtime_of(request)
    s = path_session(rt, request)
    body = read_body(request, _EXECUTE)
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
    rt = runtime_of(request)
    s = path_session(rt, request)
    body = read_body(request, _EXECUTE_META)
    customs = resolve_customs(body.get("experimental"), rt.state.catalog)
    slug = body["slug"]
    if slug not in s.tool_router_tools:
        raise ApiError(
            400, f"Meta tool {slug} is not enabled in this session", "ToolRouter_ToolNotAllowed"
        )
    result = await rt.engine.run_meta(s, slug, body.get("arguments") or {}, customs)
    return json_response(result)


# proxy_execute (§4.10): custom_connection_data must carry the credential fields its
# auth scheme needs, so a proxy call that would fail upstream fails here too.
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
    rt = runtime_of(request)
    s = path_session(rt, request)
    body = read_body(request, _PROXY)
    return json_response(await rt.engine.proxy_hooked(s, body))
