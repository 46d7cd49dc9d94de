"""Run the emulator as a server until Ctrl-C or SIGTERM.

``python -m composio_router_emulator`` (this module's :func:`main`) and
``python -m composio_router emulator`` (the SDK's command line, which calls
:func:`serve`) start the same server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from ._emulator import Emulator

__all__ = ["main", "serve"]


async def _serve(host: str, port: int, api_key: str | None, latency: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. Windows
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(host=host, port=port, api_key=api_key, latency=latency) as emu:
        print(f"Tool Router emulator listening on {emu.url}", flush=True)
        await stop.wait()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 9900,
    api_key: str | None = None,
    latency: float = 0.0,
) -> None:
    """Serve on ``host:port`` (loopback by default) until interrupted, then exit cleanly."""
    try:
        asyncio.run(_serve(host, port, api_key, latency))
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """``python -m composio_router_emulator [--port N] [--host H] [--api-key K] [--latency S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m composio_router_emulator",
        description="Run the Composio Tool Router emulator on loopback until Ctrl-C or SIGTERM.",
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
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, api_key=args.api_key, latency=args.latency)
    return 0
