"""``python -m composio_router {demo,emulator,version}``."""

from __future__ import annotations

import argparse
import sys

from ._version import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m composio_router", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="walk through a session; offline on the built-in emulator unless COMPOSIO_API_KEY is set"
    )
    demo.add_argument("--offline", action="store_true", help="use the emulator even if COMPOSIO_API_KEY is set")
    emulator = commands.add_parser("emulator", help="run the Tool Router emulator on loopback")
    emulator.add_argument("--port", type=int, default=9900)
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    emulator.add_argument("--latency", type=float, default=0.0, help="seconds to wait before every answer")
    commands.add_parser("version", help="print the version")
    args = parser.parse_args(argv)

    if args.command == "version":
        print(__version__)
        return 0
    if args.command == "emulator":
        from composio_router_emulator.cli import serve

        serve(host=args.host, port=args.port, api_key=args.api_key, latency=args.latency)
        return 0
    from ._demo import run_demo

    return run_demo(offline=args.offline)


if __name__ == "__main__":
    sys.exit(main())
