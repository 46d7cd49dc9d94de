"""Run the emulator as a server until Ctrl-C or SIGTERM.

``python -m composio_router_emulator`` (this module's :func:`main`) and
``python -m composio_router emulator`` (the SDK's command line, which calls
:func:`serve`) start the same server.

It is meant to be usable from any language: on start it prints the environment a client
needs (``COMPOSIO_BASE_URL``, ``COMPOSIO_API_KEY``) on stderr, after the one stdout line
``Tool Router emulator listening on URL``; ``--connect USER:TOOLKIT`` pre-connects
accounts so a script can call app tools at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from ._emulator import Emulator

__all__ = ["main", "parse_connect", "serve"]

# Printed when the emulator was started without --api-key (then any non-empty key works).
SUGGESTED_KEY = "emulator-local-key"

EPILOG = """\
Using it from another language:
  Every official SDK reads COMPOSIO_BASE_URL and COMPOSIO_API_KEY. Start the emulator,
  export the two lines it prints, and run your program. Each session's MCP endpoint
  (mcp.url, .../tool_router/<session_id>/mcp) takes the same x-api-key header.

Completing a connection without a browser:
  A link (POST .../session/<id>/link, or COMPOSIO_MANAGE_CONNECTIONS) returns a
  redirect_url on this server. An HTTP GET on that URL is what a user's visit does: the
  account becomes ACTIVE. For example:
    curl -s "$REDIRECT_URL" > /dev/null
  Or pre-connect accounts when starting: --connect user-1:gmail --connect user-1:github

Example:
  python -m composio_router_emulator --port 9900 --connect user-1:gmail
"""


def parse_connect(values: Sequence[str] | None) -> list[tuple[str, str]]:
    """``["USER:TOOLKIT", …]`` as pairs; the toolkit is everything after the last colon
    (user ids may contain colons, toolkit slugs never do)."""
    pairs = []
    for value in values or ():
        user, sep, toolkit = value.rpartition(":")
        if not sep or not user or not toolkit:
            raise ValueError(f"--connect takes USER:TOOLKIT, got {value!r}")
        pairs.append((user, toolkit.lower()))
    return pairs


def _guide(emu: Emulator, api_key: str | None, connected: list[tuple[str, str, str]]) -> str:
    """What a client in any language needs, for stderr: stdout stays the one line
    ``Tool Router emulator listening on URL`` that scripts wait for and parse."""
    key_note = (
        "the key given with --api-key"
        if api_key is not None
        else "any non-empty key is accepted; --api-key KEY requires one"
    )
    lines = [
        "Export this environment for your client (any language):",
        f"  export COMPOSIO_BASE_URL={emu.url}",
        f"  export COMPOSIO_API_KEY={api_key if api_key is not None else SUGGESTED_KEY}"
        f"   # {key_note}",
        f"MCP: each session's mcp.url ({emu.url}/tool_router/<session_id>/mcp), same x-api-key.",
        "Links: a GET on a redirect_url completes the connection (no browser needed).",
    ]
    lines += [f"Connected {toolkit} for {user}: {ca}" for user, toolkit, ca in connected]
    return "\n".join(lines)


async def _serve(
    host: str,
    port: int,
    api_key: str | None,
    latency: float,
    connect: Sequence[tuple[str, str]] = (),
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. Windows
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(host=host, port=port, api_key=api_key, latency=latency) as emu:
        connected = [(user, tk, emu.connect_account(user, tk)) for user, tk in connect]
        print(f"Tool Router emulator listening on {emu.url}", flush=True)
        print(_guide(emu, api_key, connected), file=sys.stderr, flush=True)
        await stop.wait()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 9900,
    api_key: str | None = None,
    latency: float = 0.0,
    connect: Sequence[tuple[str, str]] = (),
) -> None:
    """Serve on ``host:port`` (loopback by default) until interrupted, then exit cleanly.

    ``connect`` pre-connects accounts: ``[("user-1", "gmail"), …]`` (ACTIVE at start).
    """
    try:
        asyncio.run(_serve(host, port, api_key, latency, connect))
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()


def main(argv: list[str] | None = None, *, prog: str = "python -m composio_router_emulator") -> int:
    """``python -m composio_router_emulator [--port N] [--host H] [--api-key K] [--latency S]
    [--connect USER:TOOLKIT …]``; ``prog`` names the command in its help."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run the Composio Tool Router emulator on loopback until Ctrl-C or SIGTERM.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=int,
        default=9900,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--api-key", default=None, help="accept only this key (default: any non-empty key)"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds to wait before every answer (default: %(default)s)",
    )
    parser.add_argument(
        "--connect",
        action="append",
        metavar="USER:TOOLKIT",
        help="pre-connect an ACTIVE account of TOOLKIT for USER (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        connect = parse_connect(args.connect)
    except ValueError as exc:
        parser.error(str(exc))
    known = Emulator().catalog.toolkits
    for _, toolkit in connect:
        if toolkit not in known:
            parser.error(f"--connect: unknown toolkit {toolkit!r} (known: {', '.join(known)})")
    serve(
        host=args.host, port=args.port, api_key=args.api_key, latency=args.latency, connect=connect
    )
    return 0
