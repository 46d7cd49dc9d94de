"""Auth links and connected accounts (spec §4.9, §8)."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from ._converter import register_renames

__all__ = ["AuthLink", "ConnectedAccount", "ConnectionStatus"]


class ConnectionStatus:
    """Connected-account statuses (spec §8.2). Unknown values are kept as strings."""

    INITIALIZING = "INITIALIZING"
    INITIATED = "INITIATED"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    INACTIVE = "INACTIVE"
    REVOKED = "REVOKED"

    PENDING = frozenset({INITIALIZING, INITIATED, INACTIVE})  # INACTIVE can come back
    TERMINAL_FAILURES = frozenset({FAILED, EXPIRED, REVOKED})


@frozen
class AuthLink:
    """What ``POST …/link`` returns: send the user to ``redirect_url``."""

    link_token: str
    redirect_url: str
    connected_account_id: str
    experimental: dict[str, Any] | None = None


@frozen
class ConnectedAccount:
    """A connected account as ``GET /api/v3.1/connected_accounts/{id}`` returns it.

    ``state`` is kept as an open mapping: the spec (§8.2) warns that its union
    differs between the server's own type layers.
    """

    id: str
    status: str = ""
    status_reason: str | None = None
    toolkit: dict[str, Any] = field(factory=dict)
    auth_config: dict[str, Any] | None = None
    auth_scheme: str | None = None
    state: dict[str, Any] = field(factory=dict, repr=False)  # may hold credentials: keep out of reprs
    is_disabled: bool = False
    user_id: str | None = None
    alias: str | None = None
    word_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    experimental: dict[str, Any] | None = None

    @property
    def toolkit_slug(self) -> str | None:
        slug = self.toolkit.get("slug")
        return slug if isinstance(slug, str) else None


register_renames(ConnectedAccount, auth_scheme="authScheme")
