"""Execute a notebook as Jupyter would, offline: ``python notebook_runner.py NB.ipynb OUT.json``.

nbclient runs every cell on a real ipykernel (a process of its own, which inherits this
environment: ``COMPOSIO_BASE_URL`` and ``COMPOSIO_API_KEY`` point at an emulator). A first
cell, not saved anywhere, installs the benchmarks' network guard in the kernel: loopback
only. Each cell has a time limit, so a hang fails instead of stalling the run. Writes
``{"ok", "skipped", "error", "seconds"}``; ``skipped`` when nbclient or ipykernel is not
installed.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT = 60
GUARD = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks import netguard; "
    f"netguard.install(); sys.path.pop(0)"
)


def main() -> int:
    notebook, out = Path(sys.argv[1]), Path(sys.argv[2])
    started = time.perf_counter()
    result: dict[str, object] = {"ok": False, "skipped": None, "error": None}
    try:
        import ipykernel  # noqa: F401
        import nbformat
        from nbclient import NotebookClient
    except ImportError as exc:
        result["skipped"] = f"nbclient or ipykernel is not installed ({exc})"
    else:
        nb = nbformat.read(notebook, as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(GUARD))
        client = NotebookClient(
            nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
            resources={"metadata": {"path": str(notebook.parent)}},
        )
        try:
            client.execute()
            result["ok"] = True
        except Exception:
            result["error"] = traceback.format_exc()[-8000:]
    result["seconds"] = round(time.perf_counter() - started, 3)
    out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
