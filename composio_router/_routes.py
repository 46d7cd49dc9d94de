"""Where the API's resources live (spec §4): the paths requests are built from."""

from __future__ import annotations

from ._transport import path_segment

__all__ = ["CONNECTED_ACCOUNTS_PATH", "SESSIONS_PATH", "connected_account_path", "session_path"]

SESSIONS_PATH = "/api/v3.1/tool_router/session"
CONNECTED_ACCOUNTS_PATH = "/api/v3.1/connected_accounts"


def session_path(session_id: str) -> str:
    """``/api/v3.1/tool_router/session/{id}``; refuses an empty, ``.`` or ``..`` id."""
    return SESSIONS_PATH + "/" + path_segment(session_id, what="session_id")


def connected_account_path(connected_account_id: str) -> str:
    """``/api/v3.1/connected_accounts/{id}``."""
    return CONNECTED_ACCOUNTS_PATH + "/" + path_segment(connected_account_id, what="connected_account_id")
