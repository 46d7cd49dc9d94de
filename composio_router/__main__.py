"""``python -m composio_router {demo,emulator,version}``."""

from __future__ import annotations

import argparse
import sys

from ._version import __version__


def main(argv: list[str] | None = None) -> int:
    args_given = sys.argv[1:] if argv is None else argv
    if args_given[:1] == ["emulator"]:
        # The emulator's own command line, options and help included: one definition of them.
        from composio_router_emulator.cli import main as emulator_main

        return emulator_main(args_given[1:], prog="python -m composio_router emulator")
    parser = argparse.ArgumentParser(
        prog="python -m composio_router",
        description="composio-router's command line: a guided demo, the offline emulator, the version.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="walk through a session; offline on the built-in emulator unless COMPOSIO_API_KEY is set"
    )
    demo.add_argument("--offline", action="store_true", help="use the emulator even if COMPOSIO_API_KEY is set")
    # Listed for --help; its arguments are parsed by the emulator's own command line (above).
    commands.add_parser("emulator", help="run the Tool Router emulator on loopback (its options: emulator --help)")
    commands.add_parser("version", help="print the version")
    args = parser.parse_args(argv)

    if args.command == "version":
        print(__version__)
        return 0
    from ._demo import run_demo

    return run_demo(offline=args.offline)


if __name__ == "__main__":
    sys.exit(main())
