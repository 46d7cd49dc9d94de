"""A session's configuration, declared once: what ``create`` and ``update`` take.

:class:`SessionSettings` lists every setting with its type; ``create``, the client's
``create`` shortcut and ``update`` all take them as keyword arguments
(``**settings: Unpack[SessionSettings]``), so mypy checks the names and types at every
call site, and there is one place to add a setting. :func:`build_config_body` turns
them into the wire body (spec §3.2, §4.3).

Shorthands follow the official SDK where it is convenient (``toolkits=["gmail"]`` means
``{"enable": ["gmail"]}``), while everything the spec's strict request types would
reject is refused here with :class:`InvalidInputError`, before a request is sent:
in particular ``None`` ("remove the override") is accepted on update only for the
fields the server's PATCH types declare nullable (spec §4.3, §14 #8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypedDict

from .errors import InvalidInputError
from .models._converter import unstructure
from .models._unset import UNSET
from .models.config import (
    MCP_TAGS,
    Experimental,
    InstantConfig,
    ManageConnections,
    MultiAccount,
    Preload,
    TagFilter,
    ToolFilter,
    ToolkitFilter,
    Workbench,
)

__all__ = ["NULLABLE_ON_UPDATE", "SessionSettings", "build_config_body"]


class SessionSettings(TypedDict, total=False):
    """Every setting of a session; each is optional, and one left out is not sent.

    On ``create`` the server's default then applies; on ``update`` the stored value is
    kept. ``None`` removes an override, on ``update`` only, for the settings whose type
    admits it.
    """

    toolkits: Sequence[str] | ToolkitFilter
    """Toolkits the session may use: a list is an allowlist, a :class:`ToolkitFilter` says enable or disable."""
    tools: Mapping[str, Sequence[str] | ToolFilter]
    """Per toolkit, the tools to enable (a list) or a :class:`ToolFilter`."""
    tags: Sequence[str] | TagFilter
    """MCP tags (``readOnlyHint``, ...) a tool must carry, or a :class:`TagFilter`."""
    auth_configs: Mapping[str, str]
    """Per toolkit, the auth config id to connect with."""
    connected_accounts: Mapping[str, str | Sequence[str]] | None
    """Per toolkit, the connected account id(s) to use."""
    manage_connections: bool | ManageConnections | None
    """Whether the agent may ask the user to connect accounts (or a :class:`ManageConnections`)."""
    workbench: bool | Workbench | None
    """The remote workbench (sandbox) switch, or a :class:`Workbench`."""
    multi_account: bool | MultiAccount | None
    """Several accounts per toolkit, or a :class:`MultiAccount`."""
    preload: Sequence[str] | Literal["all"] | Preload
    """Tools whose schemas ``session.tools()`` hands out beside the meta tools."""
    search: bool
    """Whether the search meta tool is available."""
    multi_execute: bool
    """Whether the multi-execute meta tool is available."""
    instant: Literal[False] | InstantConfig
    """Instant (no-auth trial) execution: ``False`` or an :class:`InstantConfig`."""
    proxy_execute: bool | None
    """Whether ``proxy_execute`` is allowed."""
    experimental: Experimental | None
    """Experimental settings (an :class:`Experimental`)."""


# The wire name of each setting, where it differs from the keyword.
_WIRE_NAMES = {"multi_execute": "execute"}

# Root PATCH fields whose S3 TypedDict is Optional: the only places an SDK may send null.
NULLABLE_ON_UPDATE = frozenset(
    {"connected_accounts", "manage_connections", "workbench", "multi_account", "proxy_execute", "experimental"}
)


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


def _toolkits(value: object) -> Any:
    if isinstance(value, ToolkitFilter):
        return unstructure(value)
    return {"enable": _strings(value, "toolkits")}


def _tags(value: object, what: str) -> Any:
    if isinstance(value, TagFilter):
        return unstructure(value)
    tags = _strings(value, what)
    unknown = sorted(set(tags) - MCP_TAGS)
    if unknown:
        raise InvalidInputError(f"{what}: unknown tag(s) {unknown}; valid tags: {sorted(MCP_TAGS)}")
    return tags


def _tools(value: object) -> Any:
    wire: dict[str, Any] = {}
    for toolkit, tool_filter in _mapping(value, "tools").items():
        if isinstance(tool_filter, ToolFilter):
            wire[toolkit] = unstructure(tool_filter)
        else:
            wire[toolkit] = {"enable": _strings(tool_filter, f"tools[{toolkit!r}]")}
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


def _block(value: object, cls: type, what: str, shorthand_key: str = "enable") -> Any:
    if isinstance(value, cls):
        return unstructure(value)
    if isinstance(value, bool):
        return {shorthand_key: value}
    raise InvalidInputError(f"{what} takes True/False or a {cls.__name__}, got {value!r}")


def _preload(value: object) -> Any:
    if isinstance(value, Preload):
        return unstructure(value)
    if value == "all":
        return {"tools": "all"}
    return {"tools": _strings(value, "preload")}


def _instant(value: object) -> Any:
    if value is False:
        return False
    if isinstance(value, InstantConfig):
        return unstructure(value)
    raise InvalidInputError("instant takes False (disable) or an InstantConfig; True is not valid")


def _experimental(value: object, for_update: bool) -> Any:
    if not isinstance(value, Experimental):
        raise InvalidInputError(f"experimental takes an Experimental, got {type(value).__name__}")
    return value.to_wire(for_update=for_update)


def build_config_body(settings: Mapping[str, Any], *, for_update: bool) -> dict[str, Any]:
    """The JSON body for create (``for_update=False``) or PATCH (``for_update=True``).

    ``settings`` are :class:`SessionSettings` keywords; an unknown one is refused.
    """
    unknown = sorted(set(settings) - set(SessionSettings.__annotations__))
    if unknown:
        raise InvalidInputError(
            f"unknown session setting(s) {', '.join(unknown)}; the settings are: "
            + ", ".join(SessionSettings.__annotations__)
        )
    shapers: dict[str, Callable[[Any], Any]] = {
        "toolkits": _toolkits,
        "tools": _tools,
        "tags": lambda v: _tags(v, "tags"),
        "auth_configs": _auth_configs,
        "connected_accounts": _connected_accounts,
        "manage_connections": lambda v: _block(v, ManageConnections, "manage_connections"),
        "workbench": lambda v: _block(v, Workbench, "workbench"),
        "multi_account": lambda v: _block(v, MultiAccount, "multi_account"),
        "preload": _preload,
        "search": lambda v: {"enable": _bool(v, "search")},
        "multi_execute": lambda v: {"enable_multi_execute": _bool(v, "multi_execute")},
        "instant": _instant,
        "proxy_execute": lambda v: {"enable": _bool(v, "proxy_execute")},
        "experimental": lambda v: _experimental(v, for_update),
    }
    workbench = settings.get("workbench")
    if (
        settings.get("proxy_execute") is False
        and isinstance(workbench, Workbench)
        and workbench.enable_proxy_execution is True
    ):
        # The server refuses this combination (spec §3.2): proxying off, but on in the workbench.
        raise InvalidInputError("proxy_execute=False contradicts Workbench(enable_proxy_execution=True)")
    body: dict[str, Any] = {}
    for name in SessionSettings.__annotations__:  # declaration order: a stable body
        if name not in settings:
            continue
        value = settings[name]
        if value is UNSET:  # "not given", as a wrapper forwarding its own defaults passes it
            continue
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
        body[wire] = shapers[name](value)
    return body
