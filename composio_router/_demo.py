"""``python -m composio_router demo``: a guided first session, timed step by step.

Without ``COMPOSIO_API_KEY`` it starts the built-in emulator on 127.0.0.1 and walks
the whole flow: create a session, search, authorize and wait, execute, and several
tools at once (a custom tool in this process beside remote ones). With a key it
runs only read-only steps against the real backend.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import anyio

from .client import AsyncComposio
from .custom_tools import tool

T = TypeVar("T")


@tool
def shout(text: str) -> dict[str, Any]:
    """Upper-case a text, in this process (a custom tool: no request leaves the machine)."""
    return {"text": text.upper()}


async def _step(title: str, action: Callable[[], Awaitable[T]]) -> T:
    started = time.perf_counter()
    value = await action()
    print(f"  [{(time.perf_counter() - started) * 1000:7.1f} ms] {title}")
    return value


async def _offline() -> None:
    from .testing import Emulator

    async with Emulator() as emu:
        print(f"Started the Tool Router emulator at {emu.url} (nothing leaves this machine).\n")
        async with AsyncComposio(api_key="demo-key", base_url=emu.url) as composio:
            session = await _step(
                "create a session for user 'demo-user' with custom tool LOCAL_SHOUT",
                lambda: composio.create(user_id="demo-user", custom_tools=[shout]),
            )
            print(f"             session {session.session_id}, meta tools: {', '.join(session.tool_router_tools)}")

            tools = await _step("list the session's tools", session.get_meta_tools)
            print(f"             {len(tools)} tools, e.g. {', '.join(t.slug for t in tools[:3])}")

            found = await _step("search: 'send an email'", lambda: session.search("send an email"))
            print(f"             best match: {', '.join(found.tool_slugs[:3]) or '(none)'}")

            request = await _step("authorize gmail (start a connect link)", lambda: session.authorize("gmail"))
            print(f"             the user would open: {request.redirect_url}")

            async def user_visits_link() -> None:
                # What the user's browser does: open the link page, which completes the connection.
                async with aiohttp.ClientSession() as browser, browser.get(request.redirect_url) as page:
                    await page.read()

            await _step("the user opens the link (simulated browser visit)", user_visits_link)
            account = await _step("wait for the connection", lambda: request.wait_for_connection(timeout=10))
            print(f"             connected account {account.id} is {account.status}")

            sent = await _step(
                "execute GMAIL_SEND_EMAIL",
                lambda: session.execute(
                    "GMAIL_SEND_EMAIL",
                    {"recipient_email": "ana@example.com", "subject": "Hello", "body": "Sent from the demo."},
                ),
            )
            print(f"             successful={sent.successful} log_id={sent.log_id}")

            batch = await _step(
                "run 4 tools at once (3 remote + 1 custom tool in-process)",
                lambda: session.multi_execute(
                    [
                        ("WEATHER_GET_FORECAST", {"city": "Lisbon"}),
                        ("WEATHER_GET_FORECAST", {"city": "Oslo"}),
                        ("GMAIL_FETCH_EMAILS", {}),
                        ("SHOUT", {"text": "all done"}),
                    ]
                ),
            )
            for item in batch.results:
                where = "local " if item.local else "remote"
                outcome = "ok" if item.successful else f"failed: {item.error}"
                print(f"             #{item.index} {where} {item.tool_slug:<22} {item.elapsed * 1000:6.1f} ms  {outcome}")
            print(f"             {batch.success_count}/{batch.total_count} succeeded")
            await _step("delete the session", session.delete)
    print("\nDone. Next: `await composio.create(...)` in your own agent, or run the tests.")


async def _online() -> None:
    async with AsyncComposio() as composio:
        print(f"Using the real backend at {composio.options.base_url} (read-only steps).\n")
        session = await _step("create a session for user 'composio-router-demo'",
                              lambda: composio.create(user_id="composio-router-demo"))
        tools = await _step("list the session's tools", session.get_meta_tools)
        print(f"             {len(tools)} tools")
        found = await _step("search: 'send an email'", lambda: session.search("send an email"))
        print(f"             best match: {', '.join(found.tool_slugs[:3]) or '(none)'}")
        page = await _step("list toolkits (first page)", lambda: session.toolkits(limit=5))
        print(f"             {', '.join(t.slug for t in page.items)}")


def run_demo(*, offline: bool = False) -> int:
    if offline or not os.environ.get("COMPOSIO_API_KEY", "").strip():
        anyio.run(_offline)
    else:
        anyio.run(_online)
    return 0
