"""Waiting for a user to finish connecting an account (spec §8.2).

Polling, not push: the API offers no callback to an SDK process. One GET right
away, then one per ``poll_interval`` (1 s, as the official SDKs) until the account
is ACTIVE, reaches a terminal status (FAILED, EXPIRED, REVOKED), or the deadline
passes. INACTIVE is not terminal: an account can come back from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ._config import check_seconds
from ._retry import Idempotency
from ._routes import connected_account_path
from .errors import ConnectionRequestFailedError, ConnectionRequestTimeoutError, scrub_text
from .models._converter import structure_response
from .models._unset import UNSET, Unset
from .models.connections import ConnectedAccount, ConnectionStatus

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["AsyncConnectionRequest", "fetch_connected_account"]

DEFAULT_POLL_INTERVAL = 1.0


async def fetch_connected_account(
    transport: Transport, connected_account_id: str, *, timeout: float | None | Unset = UNSET
) -> ConnectedAccount:
    """``GET /api/v3.1/connected_accounts/{id}``."""
    data = await transport.request(
        "GET", connected_account_path(connected_account_id), idempotency=Idempotency.SAFE, timeout=timeout
    )
    return structure_response(data, ConnectedAccount)


class AsyncConnectionRequest:
    """A connection the user has been asked to complete at :attr:`redirect_url`."""

    def __init__(
        self,
        transport: Transport,
        *,
        id: str,
        redirect_url: str,
        link_token: str,
        toolkit: str,
        status: str = ConnectionStatus.INITIATED,
    ) -> None:
        self._transport = transport
        self.id = id
        """The connected account's id (``ca_…``)."""
        self.redirect_url = redirect_url
        """Send the user here to complete the connection."""
        self.link_token = link_token
        self.toolkit = toolkit
        self.status = status
        """The last status seen: INITIATED until a poll says otherwise."""

    def __repr__(self) -> str:
        # Scrubbed: the id and URL come from the server, which could echo the key in them.
        return scrub_text(f"{type(self).__name__}(id={self.id!r}, toolkit={self.toolkit!r}, "
                          f"status={self.status!r}, redirect_url={self.redirect_url!r})")

    async def refresh(self) -> ConnectedAccount:
        """Fetch the connected account once and update :attr:`status`."""
        account = await fetch_connected_account(self._transport, self.id)
        self.status = account.status
        return account

    async def wait_for_connection(
        self, timeout: float = 60.0, *, poll_interval: float = DEFAULT_POLL_INTERVAL
    ) -> ConnectedAccount:
        """Poll until the account is ACTIVE and return it.

        Raises :class:`ConnectionRequestFailedError` on FAILED, EXPIRED or REVOKED, and
        :class:`ConnectionRequestTimeoutError` if it is still pending after ``timeout`` seconds.
        """
        with self._transport.telemetry.operation("wait_for_connection", toolkit=self.toolkit):
            seconds = check_seconds(timeout, "timeout", positive=True, optional=False)
            interval = check_seconds(poll_interval, "poll_interval", positive=True, optional=False)
            assert seconds is not None and interval is not None
            last: ConnectedAccount | None = None
            with anyio.move_on_after(seconds):
                while True:
                    last = await self.refresh()
                    if last.status == ConnectionStatus.ACTIVE:
                        return last
                    if last.status in ConnectionStatus.TERMINAL_FAILURES:
                        reason = f": {last.status_reason}" if last.status_reason else ""
                        raise ConnectionRequestFailedError(
                            f"connection {self.id} for {self.toolkit} ended {last.status}{reason}",
                            connected_account_id=self.id,
                            status=last.status,
                        )
                    await anyio.sleep(interval)
            raise ConnectionRequestTimeoutError(
                f"connection {self.id} for {self.toolkit} was still {self.status} after {timeout} s; "
                f"the user may not have finished at {self.redirect_url}",
                connected_account_id=self.id,
                status=self.status,
            )
