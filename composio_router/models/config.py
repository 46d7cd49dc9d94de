"""Session configuration as the caller writes it: the create and PATCH bodies (spec §3.2, §4.3).

Every field defaults to :data:`UNSET` and is omitted from the wire unless set.
Constraints the server would reject (mutually exclusive variants, empty approval
lists, ranges) are checked here, at construction, so a bad config fails before
any request is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from attrs import field, fields, frozen

from ..errors import InvalidInputError
from ._unset import UNSET, Unset

__all__ = [
    "MCP_TAGS",
    "Experimental",
    "InstantConfig",
    "ManageConnections",
    "MultiAccount",
    "Permissions",
    "Preload",
    "TagFilter",
    "ToolFilter",
    "ToolkitFilter",
    "Workbench",
]

MCP_TAGS = frozenset(
    {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint", "createHint", "updateHint"}
)


def _str_list(value: Sequence[str] | Unset) -> list[str] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInputError(f"expected a list of strings, got {value!r}")
    items = list(value)
    for item in items:
        if not isinstance(item, str) or not item:
            raise InvalidInputError(f"expected non-empty strings, got {item!r}")
    return items


def _tag_list(value: Sequence[str] | Unset) -> list[str] | Unset:
    tags = _str_list(value)
    if tags is not UNSET:
        unknown = sorted(set(tags) - MCP_TAGS)
        if unknown:
            raise InvalidInputError(f"unknown tag(s) {unknown}; valid tags: {sorted(MCP_TAGS)}")
    return tags


def _approval_list(value: Sequence[str] | Unset) -> list[str] | Unset:
    items = _str_list(value)
    if items is not UNSET and not items:
        raise InvalidInputError("require_approval needs at least one entry (omit it instead)")
    return items


def _refuse_none(block: object, *, nullable: tuple[str, ...] = ()) -> None:
    """``None`` inside a block is sent as JSON null, which the API rejects except where listed."""
    for name in attrs_fields_names(type(block)):
        if getattr(block, name) is None and name not in nullable:
            raise InvalidInputError(
                f"{type(block).__name__}.{name}=None is not accepted by the API; leave it out instead"
            )


def attrs_fields_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def _one_of(owner: str, **variants: object) -> None:
    given = [name for name, value in variants.items() if value is not UNSET]
    if len(given) > 1:
        raise InvalidInputError(f"{owner}: {' and '.join(given)} are mutually exclusive")


@frozen(kw_only=True)
class ToolkitFilter:
    """Which toolkits the session may use: an allowlist **or** a denylist, and approvals."""

    enable: list[str] | Unset = field(default=UNSET, converter=_str_list)
    disable: list[str] | Unset = field(default=UNSET, converter=_str_list)
    require_approval: list[str] | Unset = field(default=UNSET, converter=_approval_list)

    def __attrs_post_init__(self) -> None:
        _one_of("ToolkitFilter", enable=self.enable, disable=self.disable)
        if self.enable is UNSET and self.disable is UNSET and self.require_approval is UNSET:
            raise InvalidInputError("ToolkitFilter needs enable, disable or require_approval")


@frozen(kw_only=True)
class TagFilter:
    """Tools must carry at least one ``enable`` tag and none of the ``disable`` tags."""

    enable: list[str] | Unset = field(default=UNSET, converter=_tag_list)
    disable: list[str] | Unset = field(default=UNSET, converter=_tag_list)
    require_approval: list[str] | Unset = field(default=UNSET, converter=_tag_list)

    def __attrs_post_init__(self) -> None:
        if self.require_approval is not UNSET and not self.require_approval:
            raise InvalidInputError("TagFilter.require_approval needs at least one tag")


@frozen(kw_only=True)
class ToolFilter:
    """Per-toolkit tool filter: ``enable``, ``disable`` or ``tags`` (one of), plus approvals."""

    enable: list[str] | Unset = field(default=UNSET, converter=_str_list)
    disable: list[str] | Unset = field(default=UNSET, converter=_str_list)
    tags: list[str] | TagFilter | Unset = UNSET
    require_approval: list[str] | Unset = field(default=UNSET, converter=_approval_list)

    def __attrs_post_init__(self) -> None:
        _one_of("ToolFilter", enable=self.enable, disable=self.disable, tags=self.tags)
        if isinstance(self.tags, list | tuple):
            object.__setattr__(self, "tags", _tag_list(self.tags))
        if all(v is UNSET for v in (self.enable, self.disable, self.tags, self.require_approval)):
            raise InvalidInputError("ToolFilter needs enable, disable, tags or require_approval")


@frozen(kw_only=True)
class ManageConnections:
    """In-chat connection management (``COMPOSIO_MANAGE_CONNECTIONS``)."""

    enable: bool | None | Unset = UNSET
    callback_url: str | Unset = UNSET
    enable_connection_removal: bool | None | Unset = UNSET
    enable_wait_for_connections: bool | None | Unset = UNSET

    def __attrs_post_init__(self) -> None:
        _refuse_none(self, nullable=("enable", "enable_connection_removal", "enable_wait_for_connections"))


@frozen(kw_only=True)
class Workbench:
    """The remote sandbox (``COMPOSIO_REMOTE_WORKBENCH`` / ``COMPOSIO_REMOTE_BASH_TOOL``)."""

    enable: bool | Unset = UNSET
    enable_proxy_execution: bool | Unset = UNSET
    auto_offload_threshold: int | Unset = UNSET
    sandbox_size: Literal["standard", "medium", "large", "xlarge"] | Unset = UNSET
    enable_tool_execution: bool | Unset = UNSET

    def __attrs_post_init__(self) -> None:
        _refuse_none(self)
        threshold = self.auto_offload_threshold
        if threshold is not UNSET and (isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0):
            raise InvalidInputError(f"auto_offload_threshold must be a positive integer, got {threshold!r}")
        if self.sandbox_size is not UNSET and self.sandbox_size not in ("standard", "medium", "large", "xlarge"):
            raise InvalidInputError(f"unknown sandbox_size {self.sandbox_size!r}")


@frozen(kw_only=True)
class MultiAccount:
    """Several connected accounts per toolkit."""

    enable: bool | Unset = UNSET
    max_accounts_per_toolkit: int | Unset = UNSET
    require_explicit_selection: bool | Unset = UNSET

    def __attrs_post_init__(self) -> None:
        _refuse_none(self)
        n = self.max_accounts_per_toolkit
        if n is not UNSET and (isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 10):
            raise InvalidInputError(f"max_accounts_per_toolkit must be an integer from 2 to 10, got {n!r}")


@frozen(kw_only=True)
class Preload:
    """App tools exposed directly: explicit slugs, or ``"all"`` (needs a positive allowlist)."""

    tools: list[str] | Literal["all"] | Unset = UNSET

    def __attrs_post_init__(self) -> None:
        if isinstance(self.tools, str) and self.tools != "all":
            raise InvalidInputError('Preload.tools takes a list of tool slugs or "all"')
        if isinstance(self.tools, list | tuple):
            object.__setattr__(self, "tools", _str_list(self.tools))


@frozen(kw_only=True)
class InstantConfig:
    """Billed "instant" accounts (rc19). ``toolkits``/``tools`` use the request form
    (``{"enable": [...]}`` or ``{"disable": [...]}``)."""

    toolkits: dict[str, list[str]] | Unset = UNSET
    tools: dict[str, dict[str, list[str]]] | Unset = UNSET
    return_instant_charge: bool | Unset = UNSET
    return_prices_in_search: bool | Unset = UNSET

    def __attrs_post_init__(self) -> None:
        _refuse_none(self)


@frozen(kw_only=True)
class Permissions:
    """Per-tool approval policy. Override keys: ``<TOOL_SLUG>:<account id or __none__>``."""

    default: Literal["allow_all", "ask_every_call", "ask_once_per_session"]
    overrides: dict[str, Literal["always_allow", "always_deny", "ask_once", "ask_always"]] | Unset = UNSET

    def __attrs_post_init__(self) -> None:
        if self.default not in ("allow_all", "ask_every_call", "ask_once_per_session"):
            raise InvalidInputError(f"unknown Permissions.default {self.default!r}")
        if self.overrides is not UNSET:
            for key, value in self.overrides.items():
                if value not in ("always_allow", "always_deny", "ask_once", "ask_always"):
                    raise InvalidInputError(f"unknown permission {value!r} for {key!r}")


@frozen(kw_only=True)
class Experimental:
    """Unstable session features. On update only the first six apply (spec §4.3)."""

    link_url_overwrite: str | Unset = UNSET
    permissions: Permissions | Unset = UNSET
    fast_mode: bool | Unset = UNSET
    submit_feedback: bool | Unset = UNSET
    no_elicitation_support_fallback: Literal["deny", "allow"] | Unset = UNSET
    session_config_id: str | Unset = UNSET
    user_timezone: str | Unset = UNSET  # create only: tailors the generated system prompt

    def __attrs_post_init__(self) -> None:
        _refuse_none(self)

    def to_wire(self, *, for_update: bool) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        for name in ("link_url_overwrite", "fast_mode", "no_elicitation_support_fallback", "session_config_id"):
            value = getattr(self, name)
            if value is not UNSET:
                wire[name] = value
        if self.permissions is not UNSET:
            perms: dict[str, Any] = {"default": self.permissions.default}
            if self.permissions.overrides is not UNSET:
                perms["overrides"] = dict(self.permissions.overrides)
            wire["permissions"] = perms
        if self.submit_feedback is not UNSET:
            wire["submit_feedback"] = {"enable": self.submit_feedback}
        if self.user_timezone is not UNSET:
            if for_update:
                raise InvalidInputError("user_timezone can only be set when the session is created")
            wire["assistive_prompt_config"] = {"user_timezone": self.user_timezone}
        return wire


def require_mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{what} must be a mapping, got {type(value).__name__}")
    return value
