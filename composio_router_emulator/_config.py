"""Session configuration: request schemas (§3.2, §4.3), the response form (§3.3), PATCH
merging, semantic checks (§4.1) and the compiled tool :class:`Policy` (§3.2, §14 #5).

The stored config is kept in the **response** form (``enabled``/``disabled`` spellings),
because that is what every read returns; PATCH bodies are converted on the way in.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from ._catalog import Catalog, ToolDef
from ._customs import CUSTOM_TOOL, CUSTOM_TOOLKIT
from ._hooks import HOOKS_SCHEMA
from ._validation import (
    Arr,
    Bool,
    ByType,
    Const,
    Int,
    MapOf,
    Num,
    Obj,
    Str,
    opt,
    req,
)

__all__ = [
    "CREATE_SCHEMA",
    "PATCH_SCHEMA",
    "Policy",
    "apply_patch",
    "create_config",
    "experimental_config",
    "semantic_errors",
]

TAG_VALUES = (
    "readOnlyHint",
    "destructiveHint",
    "idempotentHint",
    "openWorldHint",
    "createHint",
    "updateHint",
)


def _exclusive(
    keys: tuple[str, ...], alone: str | None = None
) -> Callable[[Mapping[str, Any], str, list[str]], None]:
    """Exactly one of ``keys``, or none of them plus ``alone`` (the approval-only variant).

    A key sent as null (PATCH only) counts as present-but-removed, not as missing.
    """
    every = (*keys, alone) if alone else keys

    def check(value: Mapping[str, Any], path: str, errs: list[str]) -> None:
        present = [k for k in keys if value.get(k) is not None]
        if len(present) > 1:
            errs.append(f"{path}: {' and '.join(present)} are mutually exclusive")
        elif not present and not any(k in value for k in every):
            errs.append(f"{path}: one of {', '.join(every)} is required")

    return check


_TAG = Str(enum=TAG_VALUES)
_SLUGS = Arr(Str(1))
_APPROVAL = Arr(Str(1), 1)
_TAG_FILTER = Obj(
    {"enable": opt(Arr(_TAG)), "disable": opt(Arr(_TAG)), "require_approval": opt(Arr(_TAG, 1))}
)
_TAGS = ByType({"array": Arr(_TAG), "object": _TAG_FILTER})
_TOOLKIT_FILTER = Obj(
    {"enable": opt(_SLUGS), "disable": opt(_SLUGS), "require_approval": opt(_APPROVAL)},
    _exclusive(("enable", "disable"), "require_approval"),
)
_TOOL_FILTER = Obj(
    {
        "enable": opt(_SLUGS),
        "disable": opt(_SLUGS),
        "tags": opt(_TAGS),
        "require_approval": opt(_APPROVAL),
    },
    _exclusive(("enable", "disable", "tags"), "require_approval"),
)
_MANAGE = Obj(
    {
        "enable": opt(Bool(), nullable=True),
        "callback_url": opt(Str(1)),
        "enable_connection_removal": opt(Bool(), nullable=True),
        "enable_wait_for_connections": opt(Bool(), nullable=True),
    }
)
_WORKBENCH = Obj(
    {
        "enable": opt(Bool()),
        "enable_proxy_execution": opt(Bool()),
        "auto_offload_threshold": opt(Num(exclusive_min=0)),
        "sandbox_size": opt(Str(enum=("standard", "medium", "large", "xlarge"))),
        "enable_tool_execution": opt(Bool()),
    }
)
_MULTI = Obj(
    {
        "enable": opt(Bool()),
        "max_accounts_per_toolkit": opt(Int(2, 10)),
        "require_explicit_selection": opt(Bool()),
    }
)
_INSTANT_FILTER = Obj(
    {"enable": opt(_SLUGS), "disable": opt(_SLUGS)}, _exclusive(("enable", "disable"))
)
_INSTANT = ByType(
    {
        "boolean": Const(False),
        "object": Obj(
            {
                "toolkits": opt(_INSTANT_FILTER),
                "tools": opt(MapOf(_INSTANT_FILTER)),
                "return_instant_charge": opt(Bool()),
                "return_prices_in_search": opt(Bool()),
            }
        ),
    }
)
_PERMISSIONS = Obj(
    {
        "default": req(Str(enum=("allow_all", "ask_every_call", "ask_once_per_session"))),
        "overrides": opt(
            MapOf(Str(enum=("always_allow", "always_deny", "ask_once", "ask_always")))
        ),
    }
)
_EXPERIMENTAL_COMMON = {
    "link_url_overwrite": opt(Str(1)),
    "permissions": opt(_PERMISSIONS),
    "fast_mode": opt(Bool()),
    "no_elicitation_support_fallback": opt(Str(enum=("deny", "allow"))),
    "session_config_id": opt(Str(1)),
}
_EXPERIMENTAL_CREATE = Obj(
    {
        **_EXPERIMENTAL_COMMON,
        "assistive_prompt_config": opt(Obj({"user_timezone": opt(Str(1))})),
        "custom_tools": opt(Arr(CUSTOM_TOOL)),
        "custom_toolkits": opt(Arr(CUSTOM_TOOLKIT)),
        "submit_feedback": opt(Obj({"enable": opt(Bool())})),
    }
)
_EXPERIMENTAL_PATCH = Obj(
    {**_EXPERIMENTAL_COMMON, "submit_feedback": opt(Obj({"enable": req(Bool())}))}
)
_COMMON = {
    "toolkits": opt(_TOOLKIT_FILTER),
    "tools": opt(MapOf(_TOOL_FILTER)),
    "tags": opt(_TAGS),
    "auth_configs": opt(MapOf(Str(1))),
    "connected_accounts": opt(MapOf(Arr(Str(1)))),
    "manage_connections": opt(_MANAGE),
    "workbench": opt(_WORKBENCH),
    "instant": opt(_INSTANT),
    "proxy_execute": opt(Obj({"enable": req(Bool())})),
    "multi_account": opt(_MULTI),
    "preload": opt(Obj({"tools": opt(ByType({"array": _SLUGS, "string": Str(enum=("all",))}))})),
    "search": opt(Obj({"enable": opt(Bool())})),
    "execute": opt(Obj({"enable_multi_execute": opt(Bool())})),
}
# `hooks` (spec §13) is outside S3's types; the official SDK sends it as an extra root field.
CREATE_SCHEMA = Obj(
    {
        "user_id": req(Str(1)),
        **_COMMON,
        "experimental": opt(_EXPERIMENTAL_CREATE),
        "hooks": opt(Arr(HOOKS_SCHEMA)),
    }
)
# PATCH is validated in "patch" mode (null accepted on every member: "remove the override",
# spec §14 #8) and takes the opt-in precondition ``expected_config_version`` (§4.3).
PATCH_SCHEMA = Obj(
    {
        **_COMMON,
        "experimental": opt(_EXPERIMENTAL_PATCH),
        "expected_config_version": opt(Int(1)),
        "hooks": opt(Arr(HOOKS_SCHEMA), nullable=True),  # null removes every hook
    }
)

DEFAULT_MC: dict[str, Any] = {
    "enabled": True,
    "enable_connection_removal": True,
    "enable_wait_for_connections": False,
}
DEFAULT_WB: dict[str, Any] = {
    "enable": True,
    "proxy_execution_enabled": True,
    "tool_execution_enabled": True,
    "auto_offload_threshold": 20000,
    "sandbox_size": "standard",
}
DEFAULT_INSTANT: dict[str, Any] = {"return_instant_charge": False, "return_prices_in_search": False}
_MC_RENAME = {"enable": "enabled"}
_WB_RENAME = {
    "enable_proxy_execution": "proxy_execution_enabled",
    "enable_tool_execution": "tool_execution_enabled",
}


# --- request form -> response form ------------------------------------------------------------


def _tags_resp(tags: Any) -> dict[str, Any]:
    if isinstance(tags, list):
        return {"enabled": list(tags)}
    out: dict[str, Any] = {}
    for src, dst in (
        ("enable", "enabled"),
        ("disable", "disabled"),
        ("require_approval", "require_approval"),
    ):
        if tags.get(src) is not None:
            out[dst] = list(tags[src])
    return out


def _filter_resp(f: Mapping[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if f.get("enable") is not None:
        out["enabled"] = list(f["enable"])
    if f.get("disable") is not None:
        out["disabled"] = list(f["disable"])
    if f.get("tags") is not None:
        out["tags"] = _tags_resp(f["tags"])
    if f.get("require_approval") is not None:
        out["require_approval"] = list(f["require_approval"])
    return out or None


def _tools_resp(tools: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for tk, f in tools.items():
        resp = _filter_resp(f) if f is not None else None
        if resp is not None:
            out[tk] = resp
    return out


def _merge_block(
    base: Mapping[str, Any],
    patch: Mapping[str, Any],
    rename: Mapping[str, str],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    out = dict(base)
    for k, v in patch.items():
        key = rename.get(k, k)
        if v is None:
            if key in defaults:
                out[key] = defaults[key]
            else:
                out.pop(key, None)
        else:
            out[key] = v
    return out


def _instant_merge(base: Any, patch: Any) -> Any:
    if patch is False:
        return False
    out = dict(base) if isinstance(base, dict) else dict(DEFAULT_INSTANT)
    for k, v in patch.items():
        if k in ("return_instant_charge", "return_prices_in_search"):
            out[k] = bool(v) if v is not None else False
        elif k == "toolkits":
            resp = _filter_resp(v) if v is not None else None
            if resp:
                out[k] = resp
            else:
                out.pop(k, None)
        elif k == "tools":
            tools = _tools_resp(v) if v is not None else {}
            if tools:
                out[k] = tools
            else:
                out.pop(k, None)  # "{} clears it"
    return out


def _multi_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    out = _merge_block(base, patch, {}, {})
    if out.get("enable") is True:
        out.setdefault("max_accounts_per_toolkit", 5)
        out.setdefault("require_explicit_selection", False)
    return out


def create_config(body: Mapping[str, Any]) -> dict[str, Any]:
    cfg: dict[str, Any] = {"user_id": body["user_id"]}
    apply_fields(cfg, body)
    cfg.setdefault("manage_connections", dict(DEFAULT_MC))
    cfg.setdefault("workbench", dict(DEFAULT_WB))
    cfg.setdefault("preload", {"tools": []})
    cfg.setdefault("search", {"enable": True})
    cfg.setdefault("execute", {"enable_multi_execute": True})
    cfg.setdefault("instant", dict(DEFAULT_INSTANT))
    return cfg


def apply_fields(cfg: dict[str, Any], body: Mapping[str, Any]) -> None:
    """Apply the config members of a create or PATCH body onto ``cfg`` (in place)."""
    for key, val in body.items():
        if key in ("user_id", "experimental", "expected_config_version", "hooks"):
            continue
        if key == "toolkits":
            resp = _filter_resp(val) if val is not None else None
            if resp is None:
                cfg.pop(key, None)
            else:
                cfg[key] = resp
        elif key == "tools":
            if val is None:
                cfg.pop(key, None)
            else:
                cfg[key] = _tools_resp(val)
        elif key == "tags":
            if val is None:
                cfg.pop(key, None)
            else:
                cfg[key] = _tags_resp(val)
        elif key in ("auth_configs", "connected_accounts"):
            if val is None:
                cfg.pop(key, None)
            else:
                cfg[key] = {k: copy.deepcopy(v) for k, v in val.items() if v is not None}
        elif key == "manage_connections":
            base = cfg.get(key) or DEFAULT_MC
            cfg[key] = (
                dict(DEFAULT_MC) if val is None else _merge_block(base, val, _MC_RENAME, DEFAULT_MC)
            )
        elif key == "workbench":
            base = cfg.get(key) or DEFAULT_WB
            cfg[key] = (
                dict(DEFAULT_WB) if val is None else _merge_block(base, val, _WB_RENAME, DEFAULT_WB)
            )
        elif key == "multi_account":
            if val is None:
                cfg.pop(key, None)
            else:
                cfg[key] = _multi_merge(cfg.get(key) or {}, val)
        elif key == "proxy_execute":
            if val is None or val.get("enable") is None:
                cfg.pop(key, None)
            else:
                cfg[key] = {"enable": val["enable"]}
        elif key == "preload":
            tools = val.get("tools") if val is not None else None
            cfg[key] = {"tools": tools if tools == "all" else list(tools or [])}
        elif key == "search":
            enable = val.get("enable") if val is not None else None
            cfg[key] = {"enable": enable is not False}
        elif key == "execute":
            enable = val.get("enable_multi_execute") if val is not None else None
            cfg[key] = {"enable_multi_execute": enable is not False}
        elif key == "instant":
            cfg[key] = dict(DEFAULT_INSTANT) if val is None else _instant_merge(cfg.get(key), val)


_EXP_KEYS = (
    "link_url_overwrite",
    "permissions",
    "fast_mode",
    "submit_feedback",
    "no_elicitation_support_fallback",
    "session_config_id",
)


def experimental_config(body_exp: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored (non-config) experimental settings of a create body."""
    if not body_exp:
        return {}
    return {k: copy.deepcopy(body_exp[k]) for k in _EXP_KEYS if k in body_exp}


def apply_patch(
    cfg: Mapping[str, Any], exp: Mapping[str, Any], body: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    new_cfg = copy.deepcopy(dict(cfg))
    apply_fields(new_cfg, body)
    new_exp = copy.deepcopy(dict(exp))
    if "experimental" in body:
        patch_exp = body["experimental"]
        if patch_exp is None:
            new_exp = {}
        else:
            for k, v in patch_exp.items():
                if v is None:
                    new_exp.pop(k, None)
                else:
                    new_exp[k] = copy.deepcopy(v)
    return new_cfg, new_exp


# --- semantic checks (§4.1) -------------------------------------------------------------------

AccountCheck = Callable[[str, str, str], str | None]


def _has_positive_allowlist(cfg: Mapping[str, Any]) -> bool:
    if (cfg.get("toolkits") or {}).get("enabled") is not None:
        return True
    if (cfg.get("tags") or {}).get("enabled"):
        return True
    for f in (cfg.get("tools") or {}).values():
        if f.get("enabled") is not None or (f.get("tags") or {}).get("enabled"):
            return True
    return False


def semantic_errors(
    cfg: Mapping[str, Any],
    body: Mapping[str, Any],
    catalog: Catalog,
    check_account: AccountCheck,
) -> list[str]:
    """Problems the schema cannot see: unknown slugs, bad pins, contradictory settings.

    ``check_account(account_id, toolkit, user_id)`` returns a message when a pinned
    account may not be used by this user.
    """
    errs: list[str] = []
    toolkits = catalog.toolkits
    tk_filter = cfg.get("toolkits") or {}
    for key in ("enabled", "disabled", "require_approval"):
        bad = [s for s in tk_filter.get(key) or () if s not in toolkits]
        if bad:
            errs.append(f"toolkits: invalid toolkit slug(s): {', '.join(bad)}")
    for tk, f in (cfg.get("tools") or {}).items():
        if tk not in toolkits:
            errs.append(f"tools: invalid toolkit slug: {tk}")
            continue
        own = {t.slug for t in catalog.by_toolkit[tk]}
        for key in ("enabled", "disabled", "require_approval"):
            bad = [s for s in f.get(key) or () if s not in own]
            if bad:
                errs.append(f"tools.{tk}: invalid tool slug(s) for toolkit {tk}: {', '.join(bad)}")
    for key in ("auth_configs", "connected_accounts"):
        bad = [tk for tk in cfg.get(key) or {} if tk not in toolkits]
        if bad:
            errs.append(f"{key}: invalid toolkit slug(s): {', '.join(bad)}")
    multi = cfg.get("multi_account") or {}
    max_pins = multi.get("max_accounts_per_toolkit", 5) if multi.get("enable") else 1
    for tk, ids in (cfg.get("connected_accounts") or {}).items():
        if len(ids) > max_pins:
            errs.append(
                f"connected_accounts.{tk}: {len(ids)} accounts pinned but at most {max_pins} allowed"
                + ("" if multi.get("enable") else " without multi_account")
            )
        for ca in ids:
            msg = check_account(ca, tk, cfg["user_id"])
            if msg:
                errs.append(f"connected_accounts.{tk}: {msg}")
    preload = cfg.get("preload", {}).get("tools")
    if preload == "all":
        if not _has_positive_allowlist(cfg):
            errs.append(
                'preload.tools: "all" requires a positive allowlist (toolkits.enable, tools.*.enable or tags)'
            )
    else:
        bad = [s for s in preload or () if s not in catalog.tools]
        if bad:
            errs.append(f"preload.tools: invalid tool slug(s): {', '.join(bad)}")
    wb_body = body.get("workbench") or {}
    px_body = body.get("proxy_execute") or {}
    if px_body.get("enable") is False and wb_body.get("enable_proxy_execution") is True:
        errs.append(
            "proxy_execute.enable=false conflicts with workbench.enable_proxy_execution=true"
        )
    exp = body.get("experimental") or {}
    if exp.get("session_config_id") is not None and "hooks" in body:
        errs.append("hooks cannot be combined with experimental.session_config_id")
    ids = [h["id"] for h in body.get("hooks") or ()]
    if len(ids) != len(set(ids)):
        errs.append("hooks: hook ids must be unique within the session")
    if exp.get("session_config_id") is not None:
        inline = [k for k in ("toolkits", "tools", "tags") if body.get(k) is not None]
        if inline:
            errs.append(
                f"experimental.session_config_id is mutually exclusive with {', '.join(inline)}"
            )
    return errs


# --- the compiled policy ------------------------------------------------------------------------


def _tag_match(f: Mapping[str, Any], tags: tuple[str, ...]) -> bool:
    enabled = f.get("enabled")
    if enabled and not any(t in enabled for t in tags):
        return False
    disabled = f.get("disabled")
    return not (disabled and any(t in disabled for t in tags))


class Policy:
    """Which catalog tools a session allows and which need approval (precomputed)."""

    def __init__(self, cfg: Mapping[str, Any], catalog: Catalog) -> None:
        tk = cfg.get("toolkits") or {}
        self._tk_enabled = set(tk["enabled"]) if tk.get("enabled") is not None else None
        self._tk_disabled = set(tk.get("disabled") or ())
        tk_approval = set(tk.get("require_approval") or ())
        tools = cfg.get("tools") or {}
        tags = cfg.get("tags") or {}
        allowed = set()
        approval = set()
        for slug, tool in catalog.tools.items():
            if self._allows(tool, tools.get(tool.toolkit), tags):
                allowed.add(slug)
            f = tools.get(tool.toolkit) or {}
            tag_approval = set((f.get("tags") or {}).get("require_approval") or ()) | set(
                tags.get("require_approval") or ()
            )
            if (
                tool.toolkit in tk_approval
                or slug in (f.get("require_approval") or ())
                or tag_approval.intersection(tool.tags)
            ):
                approval.add(slug)
        self.allowed = frozenset(allowed)
        self.approval = frozenset(approval)

    def toolkit_allowed(self, slug: str) -> bool:
        if self._tk_enabled is not None and slug not in self._tk_enabled:
            return False
        return slug not in self._tk_disabled

    def _allows(self, tool: ToolDef, f: Mapping[str, Any] | None, tags: Mapping[str, Any]) -> bool:
        # §14 #5: a toolkit excluded by `toolkits` is never re-admitted; a per-toolkit list
        # replaces tag filtering; per-toolkit tags replace the global tags.
        if not self.toolkit_allowed(tool.toolkit):
            return False
        if f:
            if f.get("enabled") is not None:
                return tool.slug in f["enabled"]
            if f.get("disabled") is not None:
                return tool.slug not in f["disabled"]
            if f.get("tags") is not None:
                return _tag_match(f["tags"], tool.tags)
        return _tag_match(tags, tool.tags)
