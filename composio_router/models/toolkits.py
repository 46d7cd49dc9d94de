"""Toolkit connection states of a session (spec §4.12).

:class:`ToolkitInfo` is one item of ``session.toolkits()`` (a :class:`~.pages.Page`).
Besides the wire fields it offers the official SDK's view of the same item
(``ToolkitConnectionState``): ``logo`` and ``connection`` (``is_active``,
``auth_config``, ``connected_account``), so code written against that SDK reads it
unchanged.
"""

from __future__ import annotations

from typing import TypeAlias

from attrs import field, frozen

from ._converter import register_renames
from .pages import Page

__all__ = [
    "ToolkitAuthConfig",
    "ToolkitConnectedAccount",
    "ToolkitConnection",
    "ToolkitConnectionState",
    "ToolkitConnectionsDetails",
    "ToolkitInfo",
    "ToolkitMeta",
]


@frozen
class ToolkitMeta:
    logo: str = ""
    description: str = ""
    is_no_auth: bool | None = None  # deprecated duplicate `isNoAuth` (S3)


register_renames(ToolkitMeta, is_no_auth="isNoAuth")


@frozen
class ToolkitAuthConfig:
    id: str = ""
    auth_scheme: str = ""  # an open string: new schemes must not break parsing
    is_composio_managed: bool | None = None

    @property
    def mode(self) -> str:
        """The auth scheme, under the official SDK's name for it."""
        return self.auth_scheme


@frozen
class ToolkitConnectedAccount:
    id: str
    status: str = ""
    user_id: str | None = None
    created_at: str | None = None
    auth_config: ToolkitAuthConfig | None = None


@frozen
class ToolkitConnection:
    """A toolkit's connection as the official SDK describes it.

    ``is_active``: the connected account is ACTIVE. ``auth_config`` and
    ``connected_account`` are ``None`` while the user has no account for the toolkit.
    """

    is_active: bool
    auth_config: ToolkitAuthConfig | None = None
    connected_account: ToolkitConnectedAccount | None = None


@frozen
class ToolkitInfo:
    """A toolkit as the session sees it: allowed or not, connected or not."""

    slug: str
    name: str = ""
    enabled: bool = True
    is_no_auth: bool = False
    composio_managed_auth_schemes: list[str] = field(factory=list)
    meta: ToolkitMeta | None = None
    connected_account: ToolkitConnectedAccount | None = None

    @property
    def is_connected(self) -> bool:
        """Usable now: a no-auth toolkit, or one with an ACTIVE connected account."""
        if self.is_no_auth:
            return True
        return self.connected_account is not None and self.connected_account.status == "ACTIVE"

    @property
    def logo(self) -> str | None:
        """The toolkit's logo URL (``meta.logo``), or None."""
        return (self.meta.logo or None) if self.meta is not None else None

    @property
    def connection(self) -> ToolkitConnection | None:
        """The official SDK's connection view: ``None`` for a no-auth toolkit (nothing to connect)."""
        if self.is_no_auth:
            return None
        account = self.connected_account
        return ToolkitConnection(
            is_active=account is not None and account.status == "ACTIVE",
            auth_config=account.auth_config if account is not None else None,
            connected_account=account,
        )


ToolkitConnectionState: TypeAlias = ToolkitInfo
"""The official SDK's name for one toolkits item."""

ToolkitConnectionsDetails: TypeAlias = Page[ToolkitInfo]
"""The official SDK's name for what ``session.toolkits()`` returns: a page of toolkits."""
