"""Toolkit connection states of a session (spec §4.12)."""

from __future__ import annotations

from attrs import field, frozen

from ._converter import register_renames

__all__ = ["ToolkitAuthConfig", "ToolkitConnectedAccount", "ToolkitInfo", "ToolkitMeta"]


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


@frozen
class ToolkitConnectedAccount:
    id: str
    status: str = ""
    user_id: str | None = None
    created_at: str | None = None
    auth_config: ToolkitAuthConfig | None = None


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
