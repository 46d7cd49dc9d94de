"""``python -m composio_router_emulator``: see :func:`composio_router_emulator.cli.main`."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
