"""A session's configuration, declared once: what ``create`` and ``update`` take.

:class:`SessionSettings` lists every setting with its type; ``create``, the client's
``create`` shortcut and ``update`` all take them as keyword arguments
(``**settings: Unpack[SessionSettings]``), so mypy checks the names and types at every
call site, and there is one place to add a setting. :func:`build_config_body` turns
them into the wire body (spec §3.2, §4.3).

Each block takes three spellings: a shorthand (``toolkits=["gmail"]``,
``workbench=False``), the attrs class of :mod:`composio_router.models.config`
(``ToolkitFilter(disable=["slack"])``), or the plain dict the official SDK takes
(``toolkits={"enable": ["gmail"]}``), typed by the ``*Dict`` ``TypedDict``\\ s below. The
``TypedDict``\\ s are also the runtime rule: a dict that does not fit raises
:class:`InvalidInputError` naming the key path (``sandbox.sandbox_size``), before any
request is sent. The official names ``sandbox`` (for ``workbench``) and ``execute`` (for
``multi_execute``) are accepted too, and ``session_preset="direct_tools"`` applies that
SDK's defaults for sessions whose tools are all known upfront.

Everything the spec's strict request types would reject is refused here, in
particular ``None`` ("remove the override"), accepted on update only for the fields the
server's PATCH types declare nullable (spec §4.3, §14 #8), and ``hooks`` (spec §13).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypedDict

from ._typed_input import check_typed
from .errors import InvalidInputError
from .models._converter import unstructure
from .models._unset import UNSET
from .models.config import (
    MCP_TAGS,
    Experimental,
    InstantConfig,
    ManageConnections,
    MultiAccount,
    Permissions,
    Preload,
    TagFilter,
    ToolFilter,
    ToolkitFilter,
    Workbench,
)

if TYPE_CHECKING:
    from .custom_tools import CustomTool, CustomToolkit

__all__ = [
    "NULLABLE_ON_UPDATE",
    "SESSION_PRESET_DIRECT_TOOLS",
    "AfterExecuteHook",
    "AssistivePromptDict",
    "BeforeExecuteHook",
    "ConditionCheckHandler",
    "ExecuteDict",
    "ExperimentalDict",
    "HookToolkits",
    "InstantDict",
    "InstantFilterDict",
    "ManageConnectionsDict",
    "McpTag",
    "MultiAccountDict",
    "PermissionsDict",
    "PreloadDict",
    "PromptInjectionCheckHandler",
    "ProxyExecuteDict",
    "SandboxSize",
    "SearchDict",
    "SessionCreateSettings",
    "SessionHook",
    "SessionPreset",
    "SessionSettings",
    "SubmitFeedbackDict",
    "TagFilterDict",
    "ToolFilterDict",
    "ToolkitFilterDict",
    "UseExperimentalDict",
    "WorkbenchDict",
    "build_config_body",
    "experimental_customs",
    "use_experimental_customs",
]

McpTag: TypeAlias = Literal[
    "readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint", "createHint", "updateHint"
]
SandboxSize: TypeAlias = Literal["standard", "medium", "large", "xlarge"]
SessionPreset: TypeAlias = Literal["direct_tools"]
SESSION_PRESET_DIRECT_TOOLS: SessionPreset = "direct_tools"


# -- the dict forms of the settings (the official SDK's shapes) ------------------------------------


class ToolkitFilterDict(TypedDict, total=False):
    """``toolkits`` as a dict: ``enable`` (allowlist) **or** ``disable`` (denylist), and approvals."""

    enable: Sequence[str]
    disable: Sequence[str]
    require_approval: Sequence[str]


class TagFilterDict(TypedDict, total=False):
    """``tags`` as a dict: a tool needs one ``enable`` tag and none of the ``disable`` tags."""

    enable: Sequence[McpTag]
    disable: Sequence[McpTag]
    require_approval: Sequence[McpTag]


class ToolFilterDict(TypedDict, total=False):
    """One toolkit's entry of ``tools``: ``enable``, ``disable`` or ``tags`` (one of), and approvals."""

    enable: Sequence[str]
    disable: Sequence[str]
    tags: Sequence[McpTag] | TagFilterDict
    require_approval: Sequence[str]


class ManageConnectionsDict(TypedDict, total=False):
    """``manage_connections`` as a dict. ``wait_for_connections`` is the official SDK's
    name for ``enable_wait_for_connections``. ``None`` (update only) removes a switch."""

    enable: bool | None
    callback_url: str
    wait_for_connections: bool
    enable_wait_for_connections: bool | None
    enable_connection_removal: bool | None


class WorkbenchDict(TypedDict, total=False):
    """``workbench`` (or ``sandbox``) as a dict: the remote sandbox's switches."""

    enable: bool
    enable_proxy_execution: bool
    auto_offload_threshold: int
    sandbox_size: SandboxSize
    enable_tool_execution: bool


class MultiAccountDict(TypedDict, total=False):
    """``multi_account`` as a dict."""

    enable: bool
    max_accounts_per_toolkit: int
    require_explicit_selection: bool


class PreloadDict(TypedDict, total=False):
    """``preload`` as a dict: tool slugs, or ``"all"`` (needs a positive allowlist)."""

    tools: Sequence[str] | Literal["all"]


class SearchDict(TypedDict, total=False):
    """``search`` as the wire spells it."""

    enable: bool


class ExecuteDict(TypedDict, total=False):
    """``execute`` as the wire spells it (``multi_execute=`` in short)."""

    enable_multi_execute: bool


class ProxyExecuteDict(TypedDict):
    """``proxy_execute`` as the wire spells it."""

    enable: bool


class InstantFilterDict(TypedDict, total=False):
    """An instant-usage filter: ``enable`` or ``disable``."""

    enable: Sequence[str]
    disable: Sequence[str]


class InstantDict(TypedDict, total=False):
    """``instant`` as a dict (billed instant accounts)."""

    toolkits: InstantFilterDict
    tools: Mapping[str, InstantFilterDict]
    return_instant_charge: bool
    return_prices_in_search: bool


class AssistivePromptDict(TypedDict, total=False):
    """``experimental["assistive_prompt"]``: tailors the generated system prompt."""

    user_timezone: str


class _PermissionsRequired(TypedDict):
    default: Literal["allow_all", "ask_every_call", "ask_once_per_session"]


class PermissionsDict(_PermissionsRequired, total=False):
    """``experimental["permissions"]``: the per-tool approval policy."""

    overrides: Mapping[str, Literal["always_allow", "always_deny", "ask_once", "ask_always"]]


class SubmitFeedbackDict(TypedDict, total=False):
    """``experimental["submit_feedback"]``."""

    enable: bool


class ExperimentalDict(TypedDict, total=False):
    """``experimental`` as a dict. ``assistive_prompt``, ``custom_tools`` and
    ``custom_toolkits`` only on create (custom tools also on ``use``)."""

    assistive_prompt: AssistivePromptDict
    custom_tools: Sequence[CustomTool[..., Any]]
    custom_toolkits: Sequence[CustomToolkit]
    link_url_overwrite: str
    permissions: PermissionsDict
    fast_mode: bool
    submit_feedback: SubmitFeedbackDict
    no_elicitation_support_fallback: Literal["deny", "allow"]
    session_config_id: str


class UseExperimentalDict(TypedDict, total=False):
    """``experimental`` on ``use``: the custom tools and toolkits to register for the session,
    where the official SDK takes them (the same as ``use``'s ``custom_tools=``/``custom_toolkits=``)."""

    custom_tools: Sequence[CustomTool[..., Any]]
    custom_toolkits: Sequence[CustomToolkit]


class HookToolkits(TypedDict):
    """A hook's ``applies_to`` when it runs only on some toolkits (their proxy calls included)."""

    toolkits: Sequence[str]


class ConditionCheckHandler(TypedDict):
    """Blocks a call (or its result) that matches ``condition``, a plain sentence."""

    type: Literal["condition_check"]
    condition: str
    action: Literal["block"]


class PromptInjectionCheckHandler(TypedDict):
    """Blocks a result whose text tries to give the agent instructions (after_execute only)."""

    type: Literal["prompt_injection_check"]
    action: Literal["block"]


class _BeforeExecuteHookRequired(TypedDict):
    type: Literal["before_execute"]
    id: str
    applies_to: Literal["all"] | HookToolkits
    handler: ConditionCheckHandler


class BeforeExecuteHook(_BeforeExecuteHookRequired, total=False):
    """A hook that can block a tool call before it runs. ``id`` is unique in the session;
    the agent sees ``name``, if given, when the hook blocks."""

    name: str


class _AfterExecuteHookRequired(TypedDict):
    type: Literal["after_execute"]
    id: str
    applies_to: Literal["all"] | HookToolkits
    handler: ConditionCheckHandler | PromptInjectionCheckHandler


class AfterExecuteHook(_AfterExecuteHookRequired, total=False):
    """A hook that can block a tool call's result before the agent sees it."""

    name: str


SessionHook: TypeAlias = BeforeExecuteHook | AfterExecuteHook
"""One session hook (spec §13): a ``before_execute`` or an ``after_execute`` hook."""


# -- the settings ---------------------------------------------------------------------------------


class SessionSettings(TypedDict, total=False):
    """Every setting of a session; each is optional, and one left out is not sent.

    On ``create`` the server's default then applies; on ``update`` the stored value is
    kept. ``None`` removes an override, on ``update`` only, for the settings whose type
    admits it. Each block also takes its dict form (the ``*Dict`` types).
    """

    toolkits: Sequence[str] | ToolkitFilter | ToolkitFilterDict
    """Toolkits the session may use: a list is an allowlist, a :class:`ToolkitFilter` says enable or disable."""
    tools: Mapping[str, Sequence[str] | ToolFilter | ToolFilterDict]
    """Per toolkit, the tools to enable (a list) or a :class:`ToolFilter`."""
    tags: Sequence[str] | TagFilter | TagFilterDict
    """MCP tags (``readOnlyHint``, ...) a tool must carry, or a :class:`TagFilter`."""
    auth_configs: Mapping[str, str]
    """Per toolkit, the auth config id to connect with."""
    connected_accounts: Mapping[str, str | Sequence[str]] | None
    """Per toolkit, the connected account id(s) to use."""
    manage_connections: bool | ManageConnections | ManageConnectionsDict | None
    """Whether the agent may ask the user to connect accounts (or a :class:`ManageConnections`)."""
    workbench: bool | Workbench | WorkbenchDict | None
    """The remote workbench (sandbox) switch, or a :class:`Workbench`."""
    sandbox: bool | Workbench | WorkbenchDict | None
    """The official SDK's name for ``workbench`` (pass one of the two)."""
    multi_account: bool | MultiAccount | MultiAccountDict | None
    """Several accounts per toolkit, or a :class:`MultiAccount`."""
    preload: Sequence[str] | Literal["all"] | Preload | PreloadDict
    """Tools whose schemas ``session.tools()`` hands out beside the meta tools."""
    search: bool | SearchDict
    """Whether the search meta tool is available."""
    multi_execute: bool
    """Whether the multi-execute meta tool is available."""
    execute: bool | ExecuteDict
    """The official SDK's name for ``multi_execute`` (``{"enable_multi_execute": ...}``)."""
    instant: Literal[False] | InstantConfig | InstantDict
    """Instant (no-auth trial) execution: ``False`` or an :class:`InstantConfig`."""
    proxy_execute: bool | ProxyExecuteDict | None
    """Whether ``proxy_execute`` is allowed."""
    hooks: Sequence[SessionHook] | None
    """Session hooks that can block calls or results; on update the list replaces the stored
    one and ``None`` removes them all. Not combinable with ``experimental.session_config_id``."""
    experimental: Experimental | ExperimentalDict | None
    """Experimental settings (an :class:`Experimental`, or its dict form)."""


class SessionCreateSettings(SessionSettings, total=False):
    """The settings of ``create``: :class:`SessionSettings` and the create-only ones."""

    session_preset: SessionPreset
    """``"direct_tools"``: every needed tool is exposed directly. Unless given, it sets
    ``manage_connections=False``, ``workbench={"enable": False}``, ``preload="all"``,
    ``search=False`` and ``multi_execute=False``, as the official SDK does."""


# The wire name of each setting, where it differs from the keyword.
_WIRE_NAMES = {"multi_execute": "execute", "sandbox": "workbench"}
# Two spellings of one setting: at most one of each pair may be given.
_SYNONYMS = (("workbench", "sandbox"), ("multi_execute", "execute"))

# Root PATCH fields whose S3 TypedDict is Optional: the only places an SDK may send null.
# (`hooks` is outside S3's types altogether; None is how the official SDK removes them.)
NULLABLE_ON_UPDATE = frozenset(
    {
        "connected_accounts", "manage_connections", "workbench", "sandbox", "multi_account",
        "proxy_execute", "experimental", "hooks",
    }
)
_CREATE_ONLY = frozenset({"session_preset"})
_CREATE_ONLY_EXPERIMENTAL = ("assistive_prompt", "custom_tools", "custom_toolkits")


def _strings(value: object, what: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInputError(f"{what} must be a list of strings, got {value!r}")
    items = list(value)
    if not all(isinstance(v, str) and v for v in items):
        raise InvalidInputError(f"{what} must contain non-empty strings, got {items!r}")
    return items


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{what} must be a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str) or not key:
            raise InvalidInputError(f"{what} keys must be non-empty strings, got {key!r}")
    return value


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{what} must be True or False, got {value!r}")
    return value


def _build(cls: Callable[..., Any], what: str, **fields: Any) -> Any:
    """An attrs config block from a checked dict; its own range and exclusivity checks name ``what``."""
    try:
        return cls(**fields)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{what}: {exc}") from None


def _listed(value: Any) -> Any:
    """A checked dict as plain JSON data (sequences become lists)."""
    if isinstance(value, Mapping):
        return {k: _listed(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_listed(v) for v in value]
    return value


def _toolkits(value: object) -> Any:
    if isinstance(value, Mapping):
        value = _build(ToolkitFilter, "toolkits", **value)
    if isinstance(value, ToolkitFilter):
        return unstructure(value)
    return {"enable": _strings(value, "toolkits")}


def _tag_filter(value: object, what: str) -> Any:
    if isinstance(value, Mapping):
        value = _build(TagFilter, what, **value)
    if isinstance(value, TagFilter):
        return unstructure(value)
    return _tags(value, what)


def _tags(value: object, what: str) -> Any:
    if isinstance(value, TagFilter | Mapping):
        return _tag_filter(value, what)
    tags = _strings(value, what)
    unknown = sorted(set(tags) - MCP_TAGS)
    if unknown:
        raise InvalidInputError(f"{what}: unknown tag(s) {unknown}; valid tags: {sorted(MCP_TAGS)}")
    return tags


def _tools(value: object) -> Any:
    wire: dict[str, Any] = {}
    for toolkit, tool_filter in _mapping(value, "tools").items():
        what = f"tools[{toolkit!r}]"
        if isinstance(tool_filter, Mapping):
            fields = dict(tool_filter)
            if isinstance(fields.get("tags"), Mapping):
                fields["tags"] = _build(TagFilter, f"{what}.tags", **fields["tags"])
            tool_filter = _build(ToolFilter, what, **fields)
        if isinstance(tool_filter, ToolFilter):
            wire[toolkit] = unstructure(tool_filter)
        else:
            wire[toolkit] = {"enable": _strings(tool_filter, what)}
    return wire


def _auth_configs(value: object) -> Any:
    configs = dict(_mapping(value, "auth_configs"))
    for toolkit, config_id in configs.items():
        if not isinstance(config_id, str) or not config_id:
            raise InvalidInputError(f"auth_configs[{toolkit!r}] must be an auth config id, got {config_id!r}")
    return configs


def _connected_accounts(value: object) -> Any:
    # A bare id is accepted and wrapped, as the official SDK does (spec §3.2).
    return {
        toolkit: [ids] if isinstance(ids, str) else _strings(ids, f"connected_accounts[{toolkit!r}]")
        for toolkit, ids in _mapping(value, "connected_accounts").items()
    }


def _manage_connections(value: object) -> Any:
    if isinstance(value, Mapping):
        fields = dict(value)
        if "wait_for_connections" in fields:
            if "enable_wait_for_connections" in fields:
                raise InvalidInputError(
                    "manage_connections: wait_for_connections and enable_wait_for_connections are one "
                    "setting; pass one of them"
                )
            fields["enable_wait_for_connections"] = fields.pop("wait_for_connections")
        value = _build(ManageConnections, "manage_connections", **fields)
    return _block(value, ManageConnections, "manage_connections")


def _block(value: object, cls: type, what: str, shorthand_key: str = "enable") -> Any:
    if isinstance(value, Mapping):
        value = _build(cls, what, **value)
    if isinstance(value, cls):
        return unstructure(value)
    if isinstance(value, bool):
        return {shorthand_key: value}
    raise InvalidInputError(f"{what} takes True/False, a {cls.__name__} or its dict form, got {value!r}")


def _preload(value: object) -> Any:
    if isinstance(value, Mapping):
        value = _build(Preload, "preload", **value)
    if isinstance(value, Preload):
        return unstructure(value)
    if value == "all":
        return {"tools": "all"}
    return {"tools": _strings(value, "preload")}


def _switch(value: object, what: str, key: str) -> Any:
    """``search`` / ``execute`` / ``proxy_execute``: a bool, or the wire's one-key dict."""
    if isinstance(value, Mapping):
        return {key: value[key]} if key in value else {}
    return {key: _bool(value, what)}


def _instant(value: object) -> Any:
    if value is False:
        return False
    if isinstance(value, Mapping):
        value = _build(InstantConfig, "instant", **_listed(value))
    if isinstance(value, InstantConfig):
        return unstructure(value)
    raise InvalidInputError("instant takes False (disable), an InstantConfig or its dict form; True is not valid")


def _experimental(value: object, for_update: bool) -> Any:
    if isinstance(value, Mapping):
        fields = {k: v for k, v in value.items() if k not in ("custom_tools", "custom_toolkits")}
        create_only = [k for k in _CREATE_ONLY_EXPERIMENTAL if k in value]
        if for_update and create_only:
            raise InvalidInputError(
                f"experimental.{create_only[0]} can only be set when the session is created"
            )
        prompt = fields.pop("assistive_prompt", None)
        if prompt is not None and "user_timezone" in prompt:
            fields["user_timezone"] = prompt["user_timezone"]
        if "permissions" in fields:
            fields["permissions"] = _build(Permissions, "experimental.permissions", **fields["permissions"])
        if "submit_feedback" in fields:
            feedback = fields.pop("submit_feedback")
            if "enable" in feedback:
                fields["submit_feedback"] = feedback["enable"]
            elif for_update:
                raise InvalidInputError("experimental.submit_feedback.enable is required on update")
        value = _build(Experimental, "experimental", **fields)
    if not isinstance(value, Experimental):
        raise InvalidInputError(f"experimental takes an Experimental or its dict form, got {type(value).__name__}")
    return value.to_wire(for_update=for_update)


def _hooks(value: object) -> Any:
    hooks = _listed(value)
    seen: set[str] = set()
    for i, hook in enumerate(hooks):
        if hook["id"] in seen:
            raise InvalidInputError(f"hooks[{i}].id: {hook['id']!r} is used by another hook; ids are unique")
        seen.add(hook["id"])
        if not hook["id"]:
            raise InvalidInputError(f"hooks[{i}].id must be a non-empty string")
        handler = hook["handler"]
        if handler["type"] == "condition_check" and not handler["condition"].strip():
            raise InvalidInputError(f"hooks[{i}].handler.condition must say what to block")
    return hooks


def experimental_customs(settings: Mapping[str, Any]) -> tuple[Sequence[Any], Sequence[Any]]:
    """The custom tools and toolkits an ``experimental`` dict carries (the official SDK's place)."""
    experimental = settings.get("experimental")
    if not isinstance(experimental, Mapping):
        return (), ()
    return tuple(experimental.get("custom_tools") or ()), tuple(experimental.get("custom_toolkits") or ())


def use_experimental_customs(experimental: object) -> tuple[Sequence[Any], Sequence[Any]]:
    """The custom tools and toolkits of ``use``'s ``experimental`` dict, checked as on create.

    ``use`` opens a session as it is, so the dict takes only ``custom_tools`` and
    ``custom_toolkits``; any other key raises :class:`InvalidInputError` before sending.
    """
    if experimental is None:
        return (), ()
    if not isinstance(experimental, Mapping):
        raise InvalidInputError(
            f"use()'s experimental takes a dict of custom_tools and custom_toolkits, got "
            f"{type(experimental).__name__}; an Experimental(...) of session settings belongs on create"
        )
    if isinstance(experimental, Mapping):
        session_settings = set(ExperimentalDict.__annotations__) - set(UseExperimentalDict.__annotations__)
        given = sorted(session_settings & set(experimental))
        if given:
            raise InvalidInputError(
                f"experimental.{given[0]} cannot be passed to use(), whose experimental dict takes "
                "only custom_tools and custom_toolkits; set session settings on create (or with "
                "session.update)"
            )
    check_typed(experimental, UseExperimentalDict, "experimental", _type_namespace(experimental))
    return experimental_customs({"experimental": experimental})


def _type_namespace(value: object) -> dict[str, Any]:
    # ExperimentalDict names the custom tool classes; loaded only when something other than an
    # Experimental is checked: a dict, or a wrong value, whose error message lists the keys.
    if isinstance(value, Experimental):
        return {}
    from .custom_tools import CustomTool, CustomToolkit

    return {"CustomTool": CustomTool, "CustomToolkit": CustomToolkit}


@functools.cache
def _settings_hints() -> dict[str, Any]:
    return typing.get_type_hints(SessionCreateSettings)


def _apply_preset(settings: dict[str, Any]) -> None:
    preset = settings.pop("session_preset", UNSET)
    if preset is UNSET or preset is None:
        return
    if preset != SESSION_PRESET_DIRECT_TOOLS:
        raise InvalidInputError(f"session_preset must be {SESSION_PRESET_DIRECT_TOOLS!r}, got {preset!r}")
    # The official SDK's direct-tools defaults: what the caller set explicitly wins.
    settings.setdefault("manage_connections", False)
    if "workbench" not in settings and "sandbox" not in settings:
        settings["workbench"] = Workbench(enable=False)
    settings.setdefault("preload", "all")
    settings.setdefault("search", False)
    if "multi_execute" not in settings and "execute" not in settings:
        settings["multi_execute"] = False


def build_config_body(settings: Mapping[str, Any], *, for_update: bool) -> dict[str, Any]:
    """The JSON body for create (``for_update=False``) or PATCH (``for_update=True``).

    ``settings`` are :class:`SessionCreateSettings` keywords; an unknown one is refused, and
    so is a value that fits none of the setting's forms, naming its key path.
    """
    known = SessionCreateSettings.__annotations__
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise InvalidInputError(
            f"unknown session setting(s) {', '.join(unknown)}; the settings are: " + ", ".join(known)
        )
    given = {name: value for name, value in settings.items() if value is not UNSET}
    if for_update and _CREATE_ONLY & set(given):
        raise InvalidInputError(f"{sorted(_CREATE_ONLY & set(given))[0]} can only be set when the session is created")
    for first, second in _SYNONYMS:
        if first in given and second in given:
            raise InvalidInputError(f"{first} and {second} are one setting (the official SDK says {second}); pass one")
    hints = _settings_hints()
    for name, value in given.items():
        if value is not None:
            check_typed(value, hints[name], name, _type_namespace(value) if name == "experimental" else None)
    if not for_update:
        _apply_preset(given)
    shapers: dict[str, Callable[[Any], Any]] = {
        "toolkits": _toolkits,
        "tools": _tools,
        "tags": lambda v: _tags(v, "tags"),
        "auth_configs": _auth_configs,
        "connected_accounts": _connected_accounts,
        "manage_connections": _manage_connections,
        "workbench": lambda v: _block(v, Workbench, "workbench"),
        "sandbox": lambda v: _block(v, Workbench, "sandbox"),
        "multi_account": lambda v: _block(v, MultiAccount, "multi_account"),
        "preload": _preload,
        "search": lambda v: _switch(v, "search", "enable"),
        "multi_execute": lambda v: {"enable_multi_execute": _bool(v, "multi_execute")},
        "execute": lambda v: _switch(v, "execute", "enable_multi_execute"),
        "instant": _instant,
        "proxy_execute": lambda v: _switch(v, "proxy_execute", "enable"),
        "hooks": _hooks,
        "experimental": lambda v: _experimental(v, for_update),
    }
    _check_combinations(given)
    body: dict[str, Any] = {}
    for name in known:  # declaration order: a stable body
        if name not in given:
            continue
        value = given[name]
        wire = _WIRE_NAMES.get(name, name)
        if value is None:
            if not for_update:
                raise InvalidInputError(f"{name}=None is not valid on create; omit it for the default")
            if name not in NULLABLE_ON_UPDATE:
                raise InvalidInputError(
                    f"{name}=None (remove the override) is not accepted by the API for {name}; "
                    f"set an explicit value instead"
                )
            body[wire] = None
            continue
        shaped = shapers[name](value)
        if shaped == {} and name == "experimental" and not for_update:
            continue  # only custom tools, which the client sends its own way
        body[wire] = shaped
    return body


def _check_combinations(given: Mapping[str, Any]) -> None:
    """Combinations the server refuses (spec §3.2, §13), caught before sending."""
    workbench = given.get("workbench", given.get("sandbox"))
    proxy = given.get("proxy_execute")
    proxy_off = proxy is False or (isinstance(proxy, Mapping) and proxy.get("enable") is False)
    workbench_proxy = (
        workbench.enable_proxy_execution if isinstance(workbench, Workbench)
        else workbench.get("enable_proxy_execution") if isinstance(workbench, Mapping) else None
    )
    if proxy_off and workbench_proxy is True:
        # The server refuses this combination (spec §3.2): proxying off, but on in the workbench.
        raise InvalidInputError("proxy_execute=False contradicts Workbench(enable_proxy_execution=True)")
    experimental = given.get("experimental")
    config_id = (
        experimental.session_config_id if isinstance(experimental, Experimental)
        else experimental.get("session_config_id") if isinstance(experimental, Mapping) else None
    )
    if "hooks" in given and config_id not in (None, UNSET):
        raise InvalidInputError(
            "hooks cannot be combined with experimental session_config_id: a saved session config "
            "sets the session's policy; add the hooks with a separate update()"
        )
