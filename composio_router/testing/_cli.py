"""``python -m composio_router emulator``: run the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from ._emulator import Emulator

__all__ = ["serve"]


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
