"""The public :class:`Emulator`: lifecycle, thread mode and state helpers for tests."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, TypeVar

from aiohttp import web

from ._app import build_app
from ._catalog import Catalog
from ._demo_tools import build_demo_catalog
from ._engine import Engine
from ._faults import Faults
from ._hooks import HookJudge
from ._idempotency import IdempotencyStore
from ._inflight import INFLIGHT
from ._journal import Journal
from ._runtime import Runtime
from ._search import SearchIndex
from ._state import State, StoredSession

__all__ = ["Emulator"]

T = TypeVar("T")


@functools.cache
def _shared_catalog() -> tuple[Catalog, SearchIndex]:
    # Immutable, so every emulator in the process shares one (cheap start-up in tests).
    catalog = build_demo_catalog()
    names = {slug: tk.name for slug, tk in catalog.toolkits.items()}
    return catalog, SearchIndex(catalog.tools.values(), names)


class Emulator:
    """An in-memory Composio Tool Router server on a loopback port.

    Use ``async with Emulator() as emu`` inside an event loop, or
    ``with Emulator.running_in_thread() as emu`` from synchronous code.

    ``ssl_context`` serves https (a server context with your test certificate), to
    exercise certificate verification. ``idempotency_header`` makes it deduplicate
    POST/PATCH requests by that header, as a gateway that honours idempotency keys
    would; the real backend does not (spec §1.8), so by default neither does this.

    Every session's ``mcp.url`` is served too (MCP Streamable HTTP, same ``x-api-key``);
    ``mcp_page_size`` is how many tools one ``tools/list`` page holds.

    Session hooks (spec §13) are evaluated by a deterministic rule (a ``condition_check``
    blocks when a phrase its condition quotes occurs in the call; see
    :mod:`composio_router_emulator._hooks`). ``hook_judge`` replaces that rule: a function
    of a :class:`HookCheck` returning True to block (or an awaitable of it); it can also be
    set later, ``emu.hook_judge = ...``.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        user_api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        multi_execute_limit: int = 50,
        auto_complete_after_polls: int | None = None,
        journal_limit: int = 10_000,
        extra_fields: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        idempotency_header: str | None = None,
        mcp_page_size: int = 100,
        hook_judge: HookJudge | None = None,
    ) -> None:
        if auto_complete_after_polls is not None and auto_complete_after_polls < 1:
            raise ValueError("auto_complete_after_polls must be >= 1 or None")
        if multi_execute_limit < 1:
            raise ValueError("multi_execute_limit must be >= 1")
        if mcp_page_size < 1:
            raise ValueError("mcp_page_size must be >= 1")
        catalog, index = _shared_catalog()
        state = State(catalog)
        engine = Engine(state, index)
        engine.multi_execute_limit = multi_execute_limit
        engine.hook_judge = hook_judge
        self._rt = Runtime(
            state=state,
            engine=engine,
            journal=Journal(journal_limit),
            faults=Faults(),
            api_key=api_key,
            user_api_key=user_api_key,
            latency=latency,
            extra_fields=extra_fields,
            auto_complete_after_polls=auto_complete_after_polls,
            idempotency=IdempotencyStore(idempotency_header) if idempotency_header else None,
            mcp_page_size=mcp_page_size,
        )
        self._ssl_context = ssl_context
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        runner = web.AppRunner(
            build_app(self._rt), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port, ssl_context=self._ssl_context)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        port = runner.addresses[0][1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        scheme = "https" if self._ssl_context is not None else "http"
        self._rt.url = f"{scheme}://{host}:{port}"
        self._rt.engine.base_url = self._rt.url

    async def stop(self) -> None:
        """Stop serving at once: requests still in flight are cancelled, not waited for."""
        runner, self._runner = self._runner, None
        if runner is not None:
            # Cancel the requests still running first: cleanup would wait for each of them
            # (shutdown_timeout, twice), and a stopping test has nothing to wait for.
            # Their clients see the connection close.
            await runner.app[INFLIGHT].cancel_all()
            await runner.cleanup()
        self._loop = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @classmethod
    @contextlib.contextmanager
    def running_in_thread(cls, **kwargs: Any) -> Iterator[Emulator]:
        """Run an emulator on its own event loop in a daemon thread (for sync callers)."""
        emu = cls(**kwargs)
        ready = threading.Event()
        failure: list[BaseException] = []
        holder: dict[str, Any] = {}

        async def main() -> None:
            stop = asyncio.Event()
            holder["stop"] = stop
            holder["loop"] = asyncio.get_running_loop()
            try:
                await emu.start()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            try:
                await stop.wait()
            finally:
                await emu.stop()

        thread = threading.Thread(
            target=asyncio.run, args=(main(),), name="composio-router-emulator", daemon=True
        )
        thread.start()
        ready.wait()
        if failure:
            thread.join()
            raise failure[0]
        try:
            yield emu
        finally:
            holder["loop"].call_soon_threadsafe(holder["stop"].set)
            thread.join(timeout=10)

    # --- configuration -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if not self._rt.url:
            raise RuntimeError("emulator is not running; use `async with Emulator()` or start()")
        return self._rt.url

    @property
    def journal(self) -> Journal:
        return self._rt.journal

    @property
    def faults(self) -> Faults:
        return self._rt.faults

    @property
    def latency(self) -> float:
        return self._rt.latency

    @latency.setter
    def latency(self, value: float) -> None:
        if value < 0:
            raise ValueError("latency must be >= 0")
        self._rt.latency = value

    @property
    def extra_fields(self) -> bool:
        return self._rt.extra_fields

    @extra_fields.setter
    def extra_fields(self, value: bool) -> None:
        self._rt.extra_fields = value

    @property
    def multi_execute_limit(self) -> int:
        return self._rt.engine.multi_execute_limit

    @multi_execute_limit.setter
    def multi_execute_limit(self, value: int) -> None:
        self._rt.engine.multi_execute_limit = value

    @property
    def hook_judge(self) -> HookJudge | None:
        """The function that decides session hooks (None: the documented default rule)."""
        return self._rt.engine.hook_judge

    @hook_judge.setter
    def hook_judge(self, judge: HookJudge | None) -> None:
        if judge is not None and not callable(judge):
            raise TypeError("hook_judge must be a function of a HookCheck, or None")
        self._rt.engine.hook_judge = judge

    @property
    def catalog(self) -> Catalog:
        return self._rt.state.catalog

    # --- state helpers (callable from any thread) ------------------------------------------------

    def _call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the emulator's loop thread (directly when already there)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return fn()
        try:
            if asyncio.get_running_loop() is loop:
                return fn()
        except RuntimeError:
            pass
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                fut.set_result(fn())
            except BaseException as exc:
                fut.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return fut.result(timeout=10)

    def connect_account(
        self,
        user_id: str,
        toolkit: str,
        status: str = "ACTIVE",
        alias: str | None = None,
        *,
        account_type: str = "PRIVATE",
        acl: Mapping[str, Any] | None = None,
    ) -> str:
        """Pre-create a connected account; returns its ``ca_…`` id."""

        def run() -> str:
            ca = self._rt.state.create_account(
                user_id,
                toolkit,
                status=status,
                alias=alias,
                account_type=account_type,
                acl=dict(acl) if acl is not None else None,
            )
            return ca.id

        return self._call(run)

    def set_account_status(self, connected_account_id: str, status: str) -> None:
        def run() -> None:
            ca = self._rt.state.accounts.get(connected_account_id)
            if ca is None:
                raise KeyError(connected_account_id)
            self._rt.state.set_status(ca, status)

        self._call(run)

    def complete_link(self, link_token_or_connected_account_id: str) -> str:
        """Do what visiting the redirect URL does: the account becomes ACTIVE. Returns its id."""

        def run() -> str:
            ca = self._rt.state.find_account(link_token_or_connected_account_id)
            if ca is None:
                raise KeyError(link_token_or_connected_account_id)
            self._rt.state.set_status(ca, "ACTIVE")
            return ca.id

        return self._call(run)

    def mailbox(self, user_id: str) -> list[dict[str, Any]]:
        """Emails sent by the gmail demo tools for this user (copies, oldest first)."""
        return self._call(lambda: [dict(e) for e in self._rt.state.user(user_id).sent_emails])

    def issues(self, user_id: str) -> list[dict[str, Any]]:
        """Issues created by the github demo tools for this user (copies, oldest first)."""
        return self._call(lambda: [dict(i) for i in self._rt.state.user(user_id).issues])

    def connected_account(self, connected_account_id: str) -> dict[str, Any]:
        """The §8.2 JSON of one account (without counting as a poll)."""
        return self._call(lambda: self._rt.state.accounts[connected_account_id].to_json())

    @property
    def sessions(self) -> Mapping[str, StoredSession]:
        """Live read-only view of the stored sessions by id."""
        return MappingProxyType(self._rt.state.sessions)

    def __repr__(self) -> str:
        where = self._rt.url or "not running"
        return f"<Emulator {where}>"
