"""``python -m benchmarks``: run everything, print the table, write the JSON."""

from __future__ import annotations

import sys

from . import netguard

netguard.install()  # before anything else is imported

from .runner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
