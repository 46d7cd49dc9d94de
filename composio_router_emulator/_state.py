"""In-memory state: sessions, connected accounts, link tokens, files and per-user data.

All mutation happens on the emulator's event loop; helpers called from another thread are
marshalled onto it by :class:`~composio_router_emulator.Emulator`, so no locks are needed
on the hot path.
"""

from __future__ import annotations

import time
from typing import Any

import attrs

from ._catalog import Catalog
from ._config import Policy
from ._customs import EMPTY, CustomSet
from ._userdata import UserData
from ._wire import iso, new_id

__all__ = ["State", "StoredAccount", "StoredFile", "StoredSession"]

ACCOUNT_STATUSES = (
    "INITIALIZING",
    "INITIATED",
    "ACTIVE",
    "FAILED",
    "EXPIRED",
    "INACTIVE",
    "REVOKED",
)
_WORDS_A = ("red", "quiet", "brave", "calm", "swift", "amber", "silver", "green")
_WORDS_B = ("castle", "harbor", "river", "meadow", "falcon", "canyon", "forest", "comet")


@attrs.define(eq=False)
class StoredAccount:
    """The emulator's record of one connected account (its JSON is what §8.2 answers)."""

    id: str
    user_id: str
    toolkit: str
    auth_scheme: str
    status: str
    word_id: str
    auth_config_id: str
    created: float
    updated: float
    alias: str | None = None
    account_type: str = "PRIVATE"
    acl: dict[str, Any] | None = None
    status_reason: str | None = None
    link_token: str | None = None
    redirect_url: str | None = None
    callback_url: str | None = None
    is_disabled: bool = False
    polls: int = 0

    def acl_allows(self, user_id: str) -> bool:
        """§4.9 ACL rule for SHARED accounts used by someone other than the creator."""
        if user_id == self.user_id:
            return True
        if self.account_type != "SHARED":
            return False
        acl = self.acl or {}
        if user_id in (acl.get("not_allowed_user_ids") or ()):
            return False
        if acl.get("allow_all_users"):
            return True
        return user_id in (acl.get("allowed_user_ids") or ())

    def experimental_json(self) -> dict[str, Any]:
        return {"account_type": self.account_type, "acl_config_for_shared": self.acl}

    def to_json(self) -> dict[str, Any]:
        """The §8.2 shape."""
        val: dict[str, Any] = {"status": self.status}
        if self.status == "ACTIVE":
            if self.auth_scheme == "API_KEY":
                val["generic_api_key"] = "emu_" + self.id[-8:]
            else:
                val.update(access_token="emu_token_" + self.id[-8:], token_type="bearer")
        elif self.status == "INITIATED" and self.redirect_url:
            val["redirectUrl"] = self.redirect_url
        state = {"authScheme": self.auth_scheme, "val": val}
        return {
            "id": self.id,
            "status": self.status,
            "status_reason": self.status_reason,
            "toolkit": {"slug": self.toolkit},
            "auth_config": {
                "id": self.auth_config_id,
                "auth_scheme": self.auth_scheme,
                "is_composio_managed": True,
                "is_disabled": False,
            },
            "authScheme": self.auth_scheme,
            "state": state,
            "data": state,
            "params": {},
            "is_disabled": self.is_disabled,
            "user_id": self.user_id,
            "created_at": iso(self.created),
            "updated_at": iso(self.updated),
            "alias": self.alias,
            "word_id": self.word_id,
            "experimental": self.experimental_json(),
        }

    def short_json(self) -> dict[str, Any]:
        """The ``connected_account`` object of a toolkits item (§4.12)."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "status": self.status,
            "created_at": iso(self.created),
            "auth_config": {
                "id": self.auth_config_id,
                "auth_scheme": self.auth_scheme,
                "is_composio_managed": True,
            },
        }


@attrs.define(eq=False)
class StoredFile:
    data: bytes
    mimetype: str
    modified: float


@attrs.define(eq=False)
class StoredSession:
    session_id: str
    user_id: str
    config: dict[str, Any]
    experimental: dict[str, Any]
    config_version: int
    policy: Policy
    tool_router_tools: list[str]
    created: float
    config_since: float
    warnings: list[dict[str, Any]] = attrs.field(factory=list)
    # (version, superseded_at, config) of every archived config, oldest first.
    history: list[tuple[int, float, dict[str, Any]]] = attrs.field(factory=list)
    # The customs of the latest create/attach, listed by GET …/tools.
    customs: CustomSet = EMPTY
    files: dict[str, dict[str, StoredFile]] = attrs.field(factory=dict)
    # Permission keys (``SLUG:account``) the user approved under an "ask once" rule.
    approved: set[str] = attrs.field(factory=set)
    # The session's hooks (spec §13), as sent on create or the last PATCH that set them.
    hooks: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.define(eq=False)
class StorageGrant:
    """A presigned storage URL: what it may do and where the bytes go."""

    session_id: str
    mount_id: str
    path: str
    method: str
    mimetype: str
    expires: float


class State:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.sessions: dict[str, StoredSession] = {}
        self.accounts: dict[str, StoredAccount] = {}
        self.link_tokens: dict[str, str] = {}  # lt_… -> ca_…
        self.users: dict[str, UserData] = {}
        self.grants: dict[str, StorageGrant] = {}
        self._word_counter = 0

    def user(self, user_id: str) -> UserData:
        data = self.users.get(user_id)
        if data is None:
            data = self.users[user_id] = UserData()
        return data

    def create_account(
        self,
        user_id: str,
        toolkit: str,
        *,
        status: str = "ACTIVE",
        alias: str | None = None,
        account_type: str = "PRIVATE",
        acl: dict[str, Any] | None = None,
        callback_url: str | None = None,
        auth_config_id: str | None = None,
        with_link: bool = False,
    ) -> StoredAccount:
        tk = self.catalog.toolkits.get(toolkit)
        if tk is None:
            raise ValueError(f"unknown toolkit {toolkit!r}")
        if status not in ACCOUNT_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = time.time()
        self._word_counter += 1
        n = self._word_counter
        word = f"{toolkit}_{_WORDS_A[n % len(_WORDS_A)]}-{_WORDS_B[(n // len(_WORDS_A)) % len(_WORDS_B)]}-{n}"
        ca = StoredAccount(
            id=new_id("ca_"),
            user_id=user_id,
            toolkit=toolkit,
            auth_scheme=tk.auth_scheme or "NO_AUTH",
            status=status,
            word_id=word,
            auth_config_id=auth_config_id or f"ac_emu{toolkit}",
            created=now,
            updated=now,
            alias=alias,
            account_type=account_type,
            acl=acl,
            callback_url=callback_url,
        )
        if with_link:
            ca.link_token = new_id("lt_")
            self.link_tokens[ca.link_token] = ca.id
        self.accounts[ca.id] = ca
        return ca

    def set_status(self, ca: StoredAccount, status: str, reason: str | None = None) -> None:
        if status not in ACCOUNT_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        ca.status = status
        ca.status_reason = reason
        ca.updated = time.time()

    def find_account(self, ref: str) -> StoredAccount | None:
        ca = self.accounts.get(ref)
        if ca is None and ref in self.link_tokens:
            ca = self.accounts.get(self.link_tokens[ref])
        return ca

    def accounts_for(self, user_id: str, toolkit: str) -> list[StoredAccount]:
        return [
            ca
            for ca in self.accounts.values()
            if ca.user_id == user_id and ca.toolkit == toolkit and ca.account_type == "PRIVATE"
        ]
